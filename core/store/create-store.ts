import type { Config } from '../config.ts';
import { FsArtifactStore, type ArtifactStore } from './artifact-store.ts';

/**
 * The artifact store the configuration asks for. With `s3` the bucket is checked first, so a
 * missing bucket or refused credentials stop the command at once with the variable to fix.
 * Credentials come from the AWS SDK's standard chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, roles):
 * ouro never reads, logs or forwards them.
 */
export async function createArtifactStore(config: Config): Promise<ArtifactStore> {
  if (config.OURO_STORE === 'fs') return new FsArtifactStore(config.OURO_HOME);
  // Loaded only here: the AWS SDK adds most of a second to every command's start.
  const { S3ArtifactStore } = await import('./s3-artifact-store.ts');
  const store = new S3ArtifactStore({
    bucket: config.OURO_S3_BUCKET!,
    prefix: config.OURO_S3_PREFIX,
    region: config.OURO_S3_REGION,
    forcePathStyle: config.OURO_S3_FORCE_PATH_STYLE ?? config.OURO_S3_ENDPOINT !== undefined,
    ...(config.OURO_S3_ENDPOINT !== undefined ? { endpoint: config.OURO_S3_ENDPOINT } : {}),
  });
  await store.checkBucket();
  return store;
}
