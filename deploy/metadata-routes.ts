/** Health, readiness and model metadata (Open Inference Protocol v2, docs/api.md). */
import type { Hono } from 'hono';
import { listModels } from '../core/registry.ts';
import type { ModelHost } from './model-host.ts';
import { exampleRow } from './model-examples.ts';
import type { RouteKit } from './model-route.ts';
import { v2Datatype } from './signature.ts';

const SERVER_NAME = 'ouro';

export function addMetadataRoutes(app: Hono, kit: RouteKit): void {
  const { opts, guards, fail } = kit;
  const { host } = opts;
  app.get('/v2/health/live', (c) => c.json({ live: true, server: SERVER_NAME, pid: process.pid }));
  app.get('/v2/health/ready', (c) => {
    const ready = host.ready && !(opts.isClosing?.() ?? false);
    return c.json({ ready }, ready ? 200 : 503);
  });
  app.get('/v2', (c) => c.json({ name: SERVER_NAME, version: '1', extensions: [] }));

  app.get('/v2/models/:name/ready', async (c) => {
    const name = c.req.param('name');
    try {
      await host.assertKnown(name);
    } catch (err) {
      return fail(c, err);
    }
    const s = host.status(name);
    return c.json(
      {
        name,
        ready: s.ready,
        version: s.version,
        loading: s.loading,
        error: s.error,
        path: host.loaded().find((m) => m.name === name)?.path ?? null,
      },
      s.ready ? 200 : 503,
    );
  });

  app.get('/v2/models/:name', async (c) => {
    const name = c.req.param('name');
    let lease: Awaited<ReturnType<ModelHost['acquire']>> | null = null;
    try {
      await host.assertKnown(name);
      await guards.checkKey(c);
      lease = await host.acquire(name);
      const m = lease.model;
      const versions = (await listModels(opts.home)).find((x) => x.name === name)?.versions ?? [m.version];
      const classifier = m.signature.task !== 'regression';
      const k = m.signature.classes?.length ?? 0;
      return c.json({
        name,
        versions: versions.map(String),
        platform: m.path === 'onnx' ? 'onnxruntime_onnx' : 'sklearn',
        inputs: m.signature.inputs.map((i) => ({ name: i.name, datatype: v2Datatype(i.dtype), shape: [-1] })),
        outputs: [
          { name: 'predict', datatype: classifier ? 'BYTES' : 'FP64', shape: [-1] },
          ...(classifier ? [{ name: 'predict_proba', datatype: 'FP64', shape: [-1, k] }] : []),
        ],
        ...(classifier ? { classes: m.signature.classes } : {}),
        ouro: {
          version: m.version,
          task: m.signature.task,
          target: m.signature.target,
          metric: m.card.metric,
          path: m.path,
          reason: m.pathReason,
          example: exampleRow(m),
        },
      });
    } catch (err) {
      return fail(c, err);
    } finally {
      lease?.release();
    }
  });
}
