import { parseArgs } from 'node:util';
import type { Config } from '../core/config.ts';
import { OuroError } from '../core/errors.ts';
import { currentVersion, deleteModel, listModels, readCard, setCurrentVersion } from '../core/registry.ts';
import type { ArtifactStore } from '../core/store/artifact-store.ts';
import { createArtifactStore } from '../core/store/create-store.ts';
import {
  deleteStoreModel,
  listStoreModels,
  readStoreCard,
  readStorePointer,
  registryKeys,
  setStorePointer,
} from '../core/store/store-registry.ts';
import { readKeyFile, rotateKey, rotateStoreKey } from '../deploy/api-keys.ts';
import { runningServer } from '../deploy/background-server.ts';
import { readServing } from '../deploy/prepare-serving.ts';

export const MODELS_USAGE = `Usage: ouro models list                      the registry: name, serving version, versions
       ouro models show <name> [--version <n>]   a model's card and how it is served
       ouro models rollback <name> [--to <n>]    serve the previous (or given) version; a running server swaps it in
       ouro models delete <name> --yes          remove a model and all its versions
       ouro models key rotate <name>            print a new key for the model (the old one stops working)
`;

function need(name: string | undefined): string {
  if (name === undefined) throw new OuroError('config_invalid', `Name the model.\n\n${MODELS_USAGE}`);
  return name;
}

export async function modelsCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      version: { type: 'string' },
      to: { type: 'string' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const home = config.OURO_HOME;
  const [sub, a, b] = positionals;
  if (values.help === true || sub === undefined) {
    process.stdout.write(MODELS_USAGE);
    return sub === undefined && values.help !== true ? 2 : 0;
  }
  const out = (line: string) => process.stdout.write(line + '\n');
  if (config.OURO_STORE !== 'fs')
    return remoteModels(await createArtifactStore(config), sub, a, b, values, out);
  switch (sub) {
    case 'list': {
      const models = await listModels(home);
      if (models.length === 0) {
        out(`No models in ${home}/registry yet. Train one with \`ouro run data.csv "predict ..."\`.`);
        return 0;
      }
      const server = await runningServer(config);
      for (const m of models) {
        const card = await readCard(home, m.name, m.version);
        const serving = await readServing(home, m.name, m.version);
        out(
          `${m.name}  v${m.version} of [${m.versions.join(', ')}]  ${card.task} → ${card.target}  ${card.metric} ${card.holdout.score.toFixed(4)} (baseline ${card.holdout.baseline.toFixed(4)})  ${serving?.path ?? 'not deployed yet'}${server ? `  ${server.url}/models/${m.name}` : ''}`,
        );
      }
      return 0;
    }
    case 'show': {
      const name = need(a);
      const version = values.version === undefined ? undefined : Number(values.version);
      const card = await readCard(home, name, version);
      const serving = await readServing(home, name, card.version);
      const key = await readKeyFile(home, name);
      out(
        JSON.stringify(
          {
            ...card,
            serving,
            key: key === null ? 'none (ouro models key rotate)' : `sha256 stored, created ${key.createdAt}`,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    case 'rollback': {
      const name = need(a);
      const current = await currentVersion(home, name);
      if (current === null) throw new OuroError('model_not_found', `No model named "${name}".`);
      const versions = (await listModels(home)).find((m) => m.name === name)?.versions ?? [];
      const target =
        values.to !== undefined ? Number(values.to) : [...versions].reverse().find((v) => v < current);
      if (target === undefined || !Number.isInteger(target))
        throw new OuroError(
          'model_not_found',
          `Model "${name}" has no version before v${current} to roll back to.`,
        );
      await setCurrentVersion(home, name, target);
      out(`${name}: now serving v${target} (was v${current}). A running server swaps it in within a second.`);
      return 0;
    }
    case 'delete': {
      const name = need(a);
      if (values.yes !== true)
        throw new OuroError(
          'config_invalid',
          `This removes every version of "${name}" and its key. Run again with --yes.`,
        );
      await deleteModel(home, name);
      out(`Deleted ${name}.`);
      return 0;
    }
    case 'key': {
      if (a !== 'rotate')
        throw new OuroError('config_invalid', `Unknown key command "${a ?? ''}".\n\n${MODELS_USAGE}`);
      const name = need(b);
      if ((await currentVersion(home, name)) === null)
        throw new OuroError('model_not_found', `No model named "${name}".`);
      const key = await rotateKey(home, name);
      out(key);
      process.stderr.write(
        `New key for ${name}: shown once, stored only as a hash. The old key stops working within a second.\n`,
      );
      return 0;
    }
    default:
      throw new OuroError('config_invalid', `Unknown models command "${sub}".\n\n${MODELS_USAGE}`);
  }
}

/** The same commands on a registry in a remote store (OURO_STORE=s3); deploy replicas follow within OURO_STORE_POLL_S. */
async function remoteModels(
  store: ArtifactStore,
  sub: string,
  a: string | undefined,
  b: string | undefined,
  values: { version?: string; to?: string; yes?: boolean },
  out: (line: string) => void,
): Promise<number> {
  switch (sub) {
    case 'list': {
      const models = await listStoreModels(store);
      if (models.length === 0) out('No models in the store yet.');
      for (const m of models) {
        const card = await readStoreCard(store, m.name, m.version);
        out(
          `${m.name}  v${m.version} of [${m.versions.join(', ')}]  ${card.task} → ${card.target}  ${card.metric} ${card.holdout.score.toFixed(4)} (baseline ${card.holdout.baseline.toFixed(4)})`,
        );
      }
      return 0;
    }
    case 'show': {
      const name = need(a);
      const card = await readStoreCard(
        store,
        name,
        values.version === undefined ? undefined : Number(values.version),
      );
      const key = await store.getBytes(registryKeys.key(name));
      out(
        JSON.stringify(
          { ...card, key: key === null ? 'none (ouro models key rotate)' : 'sha256 stored' },
          null,
          2,
        ),
      );
      return 0;
    }
    case 'rollback': {
      const name = need(a);
      const current = await readStorePointer(store, name);
      if (current === null) throw new OuroError('model_not_found', `No model named "${name}".`);
      const versions = (await listStoreModels(store)).find((m) => m.name === name)?.versions ?? [];
      const target =
        values.to !== undefined ? Number(values.to) : [...versions].reverse().find((v) => v < current);
      if (target === undefined || !Number.isInteger(target))
        throw new OuroError(
          'model_not_found',
          `Model "${name}" has no version before v${current} to roll back to.`,
        );
      await setStorePointer(store, name, target);
      out(
        `${name}: now serving v${target} (was v${current}). Deploy replicas swap it in at their next poll.`,
      );
      return 0;
    }
    case 'delete': {
      const name = need(a);
      if (values.yes !== true)
        throw new OuroError(
          'config_invalid',
          `This removes every version of "${name}" and its key. Run again with --yes.`,
        );
      await deleteStoreModel(store, name);
      out(`Deleted ${name}.`);
      return 0;
    }
    case 'key': {
      if (a !== 'rotate')
        throw new OuroError('config_invalid', `Unknown key command "${a ?? ''}".\n\n${MODELS_USAGE}`);
      const name = need(b);
      if ((await readStorePointer(store, name)) === null)
        throw new OuroError('model_not_found', `No model named "${name}".`);
      out(await rotateStoreKey(store, name));
      process.stderr.write(
        `New key for ${name}: shown once, stored only as a hash. The old key stops working at the deploy replicas' next poll.\n`,
      );
      return 0;
    }
    default:
      throw new OuroError('config_invalid', `Unknown models command "${sub}".\n\n${MODELS_USAGE}`);
  }
}
