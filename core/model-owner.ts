import { randomBytes } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { OuroError } from './errors.ts';
import type { Origin } from './schemas/run-request.ts';
import { readJsonIfExists } from './store/json-file.ts';
import type { ArtifactStore } from './store/artifact-store.ts';

/**
 * Who a model name belongs to (docs/security.md, "Model names"). The first publish of a name
 * claims it for the chat team (Slack workspace, Discord server) or, from the terminal, for the
 * operator; a publish under someone else's name is refused, so a chat user cannot swap the
 * model behind another team's clients. `/predict` answers only the models the asking team or
 * channel may use (OURO_MODEL_ACCESS).
 */

export const ModelOwnerSchema = z.object({
  platform: z.enum(['terminal', 'slack', 'discord']),
  /** Slack team (workspace) id or Discord guild id. */
  team: z.string().optional(),
  /** The channel the run was asked in (for Discord, the thread's parent channel). */
  channel: z.string().optional(),
});
export type ModelOwner = z.infer<typeof ModelOwnerSchema>;

/** `team`: a model is for its team (default); `channel`: only its channel; `all`: every allowed chat user. */
export type ModelAccess = 'team' | 'channel' | 'all';

/** The operator's own models (published from the terminal, and those from before owners existed). */
export const OPERATOR: ModelOwner = { platform: 'terminal' };

export function ownerOf(origin: Origin): ModelOwner {
  if (origin.platform === 'terminal') return OPERATOR;
  const channel = origin.space ?? origin.channel;
  return {
    platform: origin.platform,
    ...(origin.team !== undefined ? { team: origin.team } : {}),
    ...(channel !== undefined ? { channel } : {}),
  };
}

/** Two owners are the same claimant when they are the operator, or the same team on one platform. */
export function ownerKey(o: ModelOwner): string {
  if (o.platform === 'terminal') return 'operator';
  return `${o.platform}:${o.team ?? `channel ${o.channel ?? '?'}`}`;
}

export function describeOwner(o: ModelOwner): string {
  if (o.platform === 'terminal') return 'the operator (published from the terminal)';
  const where = o.platform === 'slack' ? 'Slack workspace' : 'Discord server';
  return o.team !== undefined ? `another ${where} (${o.team})` : `another ${o.platform} channel`;
}

/**
 * Whether someone asking from `asker` may list and query a model owned by `owner`. The
 * operator's models are shared with every chat the allow-lists admit; chat models stay with
 * their team (or channel) unless OURO_MODEL_ACCESS=all.
 */
export function mayUse(owner: ModelOwner | undefined, asker: ModelOwner, access: ModelAccess): boolean {
  const o = owner ?? OPERATOR;
  if (o.platform === 'terminal' || asker.platform === 'terminal' || access === 'all') return true;
  if (o.platform !== asker.platform) return false;
  const sameTeam =
    o.team !== undefined && asker.team !== undefined ? o.team === asker.team : o.channel === asker.channel;
  if (access === 'team') return sameTeam;
  return sameTeam && o.channel !== undefined && o.channel === asker.channel;
}

function taken(name: string, holder: ModelOwner): OuroError {
  return new OuroError(
    'model_name_taken',
    `The model name "${name}" belongs to ${describeOwner(holder)}; a run cannot publish under someone else's name.`,
  );
}

const OWNER_FILE = 'owner.json';

/**
 * Claims `name` for `owner` in a filesystem registry (create-only, so two first publishers
 * cannot both win), or checks the existing claim. A name published before owners existed
 * belongs to the operator.
 */
export async function claimModelName(registryRoot: string, name: string, owner: ModelOwner): Promise<void> {
  const dir = join(registryRoot, name);
  await mkdir(dir, { recursive: true });
  const path = join(dir, OWNER_FILE);
  const existing = await readJsonIfExists(path, ModelOwnerSchema);
  let holder = existing;
  if (holder === null) {
    const legacy = await readJsonIfExists(
      join(dir, 'current.json'),
      z.object({ version: z.number() }).loose(),
    );
    const claim = legacy !== null ? OPERATOR : owner;
    // Written whole to a private name, then link()ed into place: link fails if the name exists,
    // so the claim is create-only and no reader ever sees half a file.
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(claim) + '\n', { mode: 0o644 });
    try {
      await link(tmp, path);
      holder = claim;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      holder = await readJsonIfExists(path, ModelOwnerSchema);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
  if (holder !== null && ownerKey(holder) !== ownerKey(owner)) throw taken(name, holder);
}

/** The same claim in a remote store: a create-only PUT of registry/<name>/owner.json. */
export async function claimStoreModelName(
  store: ArtifactStore,
  name: string,
  owner: ModelOwner,
): Promise<void> {
  const key = `registry/${name}/${OWNER_FILE}`;
  const read = async (): Promise<ModelOwner | null> => {
    const bytes = await store.getBytes(key);
    return bytes === null ? null : ModelOwnerSchema.parse(JSON.parse(bytes.toString('utf8')));
  };
  let holder = await read();
  if (holder === null) {
    const legacy = await store.exists(`registry/${name}/current.json`);
    const claim = legacy ? OPERATOR : owner;
    holder = (await store.putBytes(key, JSON.stringify(claim) + '\n', { ifAbsent: true }))
      ? claim
      : await read();
  }
  if (holder !== null && ownerKey(holder) !== ownerKey(owner)) throw taken(name, holder);
}
