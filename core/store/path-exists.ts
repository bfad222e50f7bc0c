import { stat } from 'node:fs/promises';

/** True when something is at `path` (file or folder). */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
