import { chmod, rm } from 'node:fs/promises';
import type { Logger } from '../../core/logger.ts';
import type { RunPaths } from '../../core/run-paths.ts';
import type { ArtifactStore } from '../../core/store/artifact-store.ts';
import { downloadFolder, uploadFolder, type UploadStamps } from '../../core/store/sync-folder.ts';

/**
 * Keeps a run's folder in a remote store, so that a worker on another host can take the run
 * over from what is in the bucket. The worker works in its own scratch OURO_HOME as usual; at
 * every checkpoint (each journal save) the files that changed go to `runs/<id>/`, and the
 * vault to `vault/<id>/` — a separate prefix, because the vault (holdout labels) is never
 * materialised inside a folder that a sandbox mounts.
 */
export class RunFolderSync {
  private readonly stamps: UploadStamps = new Map();
  private readonly vaultStamps: UploadStamps = new Map();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ArtifactStore,
    private readonly paths: RunPaths,
    private readonly runId: string,
    private readonly logger: Logger,
  ) {}

  private get runPrefix(): string {
    return `runs/${this.runId}/`;
  }

  private get vaultPrefix(): string {
    return `vault/${this.runId}/`;
  }

  /**
   * Brings the run's checkpoint from the store into the scratch folder when there is one (a
   * takeover). The store is the truth: a local folder left by an earlier attempt on this host
   * may be ahead of the last checkpoint, so it is replaced.
   */
  async restore(): Promise<boolean> {
    if (!(await this.store.exists(`${this.runPrefix}journal.json`))) return false;
    await rm(this.paths.root, { recursive: true, force: true });
    await downloadFolder(this.store, this.runPrefix, this.paths.root);
    if ((await this.store.list(this.vaultPrefix)).length > 0) {
      await downloadFolder(this.store, this.vaultPrefix, this.paths.vault, { mode: 0o700 });
      await chmod(this.paths.vault, 0o700);
    }
    this.logger.info({ runId: this.runId }, 'run restored from the store');
    return true;
  }

  /** Uploads what changed since the last checkpoint; checkpoints never overlap. False when it failed. */
  checkpoint(): Promise<boolean> {
    const next = this.chain.then(
      () => this.upload().then(() => true),
      () => false,
    );
    this.chain = next.then(() => undefined);
    return next.catch((err: unknown) => {
      // The run goes on locally; only a takeover on another host would miss this checkpoint.
      this.logger.warn({ err: (err as Error).message, runId: this.runId }, 'checkpoint to the store failed');
      return false;
    });
  }

  /** The last checkpoint; then the scratch copy goes, so worker hosts do not fill up with runs. */
  async finish(): Promise<void> {
    if (await this.checkpoint()) await rm(this.paths.root, { recursive: true, force: true });
  }

  private async upload(): Promise<void> {
    // input/ is the upload's copy (it stays under uploads/); the vault has its own prefix.
    await uploadFolder(this.store, this.paths.root, this.runPrefix, {
      stamps: this.stamps,
      skip: (rel) => rel.startsWith('input/') || rel.startsWith('vault/'),
    });
    await uploadFolder(this.store, this.paths.vault, this.vaultPrefix, { stamps: this.vaultStamps });
  }
}
