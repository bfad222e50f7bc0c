/**
 * The prediction API against a real model (trained by the harness on examples/penguins.csv:
 * multiclass, categoricals, missing values), real sandboxed Python workers and the real ONNX
 * runtime: in-process through app.request(), and through a real port.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { ONNX_TOLERANCE } from './serving-files.ts';
import { parseCsvRecords } from './parse-csv.ts';
import { createMetricsApp, createServing, startServer } from './server.ts';
import {
  EXAMPLES,
  harnessPredict,
  holdoutRecords,
  publishFixtureModel,
  tempHome,
  type Fixture,
} from './test-fixtures.ts';

const logger = createLogger('silent');
let fixture: Fixture;
let key: string;
let records: Record<string, string | null>[];
let expected: Awaited<ReturnType<typeof harnessPredict>>;

function configFor(home: string, over: Record<string, string> = {}): Config {
  // OURO_PYTHON from the environment: a worktree whose .venv is a symlink needs the real path inside the sandbox.
  return loadConfig({
    OURO_HOME: home,
    OURO_SERVE_WORKERS: '1',
    OURO_SERVE_MAX_ROWS: '500',
    ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
    ...over,
  });
}

before(async () => {
  const home = await tempHome();
  fixture = await publishFixtureModel({
    home,
    name: 'penguins',
    csv: `${EXAMPLES}/penguins.csv`,
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
    family: 'linear',
  });
  key = (await createKeyIfMissing(home, 'penguins'))!;
  records = holdoutRecords(fixture.holdoutFeatures);
  expected = await harnessPredict(fixture.modelDir, fixture.holdoutFeatures);
});

function assertSameAsHarness(predictions: unknown[], probabilities: number[][] | null, exact: boolean): void {
  assert.deepEqual(predictions, expected.predictions);
  assert.ok(probabilities !== null && expected.probabilities !== null);
  probabilities!.forEach((row, i) =>
    row.forEach((p, k) => {
      const want = expected.probabilities![i]![k]!;
      if (exact) assert.equal(p, want);
      else assert.ok(Math.abs(p - want) <= ONNX_TOLERANCE, `row ${i} class ${k}: ${p} vs ${want}`);
    }),
  );
}

for (const path of ['onnx', 'python'] as const) {
  describe(`the ${path} path`, () => {
    let serving: ReturnType<typeof createServing>;
    before(async () => {
      serving = createServing({
        config: configFor(fixture.home, { OURO_SERVE_ONNX: path === 'onnx' ? 'auto' : 'off' }),
        logger,
        pollMs: 200,
      });
      await serving.host.start();
    });
    after(() => serving.host.stop());

    const post = (url: string, body: string, type = 'application/json') =>
      serving.app.request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': type },
        body,
      });

    test('serves through the expected path', () => {
      assert.equal(serving.host.loaded()[0]?.path, path);
    });

    test('/v1 predictions equal the harness predict CLI on the holdout features', async () => {
      const res = await post('/v1/models/penguins/predict', JSON.stringify(records));
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        model: string;
        version: number;
        predictions: string[];
        probabilities: Record<string, number>[];
        warnings: string[];
      };
      assert.equal(body.model, 'penguins');
      assert.equal(body.version, 1);
      const classes = expected.classes!;
      assertSameAsHarness(
        body.predictions,
        body.probabilities.map((o) => classes.map((c) => o[c]!)),
        path === 'python',
      );
    });

    test('/v2 infer (one tensor per column) equals the harness too', async () => {
      const inputs = Object.keys(records[0]!).map((name) => ({
        name,
        shape: [records.length],
        datatype: 'BYTES',
        data: records.map((r) => r[name] ?? null),
      }));
      const res = await post('/v2/models/penguins/infer', JSON.stringify({ id: 'req-1', inputs }));
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        model_name: string;
        model_version: string;
        id: string;
        outputs: { name: string; shape: number[]; data: (string | number)[] }[];
      };
      assert.equal(body.id, 'req-1');
      assert.equal(body.model_version, '1');
      const predict = body.outputs.find((o) => o.name === 'predict')!;
      const proba = body.outputs.find((o) => o.name === 'predict_proba')!;
      const k = expected.classes!.length;
      assert.deepEqual(proba.shape, [records.length, k]);
      const rows = Array.from({ length: records.length }, (_, i) =>
        (proba.data as number[]).slice(i * k, i * k + k),
      );
      assertSameAsHarness(predict.data, rows, path === 'python');
    });

    test('a CSV body predicts like the same rows in JSON', async () => {
      const cols = Object.keys(records[0]!);
      const csv = [
        cols.join(','),
        ...records.slice(0, 5).map((r) => cols.map((c) => r[c] ?? '').join(',')),
      ].join('\n');
      const res = await post('/v1/models/penguins/predict', csv, 'text/csv');
      assert.equal(res.status, 200);
      assert.deepEqual(
        ((await res.json()) as { predictions: string[] }).predictions,
        expected.predictions.slice(0, 5),
      );
    });

    test('typed JSON values, text numbers and an unseen category', async () => {
      const row = {
        island: 'Atlantis',
        bill_length_mm: 45.2,
        bill_depth_mm: '15',
        flipper_length_mm: 210,
        body_mass_g: '5,000',
        sex: null,
        year: 2008,
      };
      const res = await post('/v1/models/penguins/predict', JSON.stringify({ records: [row] }));
      assert.equal(res.status, 200);
      const body = (await res.json()) as { predictions: string[]; warnings: string[] };
      assert.equal(body.predictions.length, 1);
      assert.match(
        body.warnings.join(' '),
        /Column "island": 1 row with a category the model never saw in training \("Atlantis" in row 0\)/,
      );
    });
  });
}

describe('requests that are refused', () => {
  let serving: ReturnType<typeof createServing>;
  const good = () => ({ ...records[0]! });
  before(async () => {
    serving = createServing({ config: configFor(fixture.home), logger, pollMs: 200 });
    await serving.host.start();
  });
  after(() => serving.host.stop());
  const predict = (
    body: string,
    headers: Record<string, string> = { authorization: `Bearer ${key}` },
    name = 'penguins',
  ) =>
    serving.app.request(`/v1/models/${name}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const error = async (res: Response) =>
    (await res.json()) as {
      error: string;
      code: string;
      details?: { row: number; column: string; expected: string }[];
    };

  test('a missing column: 422 naming it', async () => {
    const row = good();
    delete row.flipper_length_mm;
    const res = await predict(JSON.stringify([row]));
    assert.equal(res.status, 422);
    const body = await error(res);
    assert.equal(body.code, 'missing_column');
    assert.match(body.error, /Missing column "flipper_length_mm"/);
  });

  test('a column missing from one row only: 422 naming the row', async () => {
    const row = good();
    delete row.sex;
    const res = await predict(JSON.stringify([good(), row]));
    assert.equal(res.status, 422);
    assert.match((await error(res)).error, /Row 1 has no column "sex"/);
  });

  test('a string where a number belongs: 422 naming column, row and expected type', async () => {
    const res = await predict(JSON.stringify([good(), good(), { ...good(), body_mass_g: 'heavy' }]));
    assert.equal(res.status, 422);
    const body = await error(res);
    assert.equal(body.code, 'invalid_value');
    assert.equal(body.error, 'Column "body_mass_g", row 2: expected a number, got "heavy".');
    assert.deepEqual(body.details?.[0], {
      row: 2,
      column: 'body_mass_g',
      expected: 'a number',
      value: 'heavy',
    });
  });

  test('a 50 MB body: 413 with a message', async () => {
    const big = JSON.stringify([good()]).padEnd(50 * 1024 * 1024, ' ');
    const res = await predict(big);
    assert.equal(res.status, 413);
    const body = await error(res);
    assert.equal(body.code, 'body_too_large');
    assert.match(body.error, /larger than 10 MB/);
  });

  test('more rows than the batch limit: 413', async () => {
    const res = await predict(JSON.stringify(Array.from({ length: 501 }, good)));
    assert.equal(res.status, 413);
    assert.match((await error(res)).error, /more than 500 rows.*at most 500/);
  });

  test('no key: 401; a wrong key: 403; an unknown model: 404', async () => {
    const none = await predict(JSON.stringify([good()]), {});
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.match((await error(none)).error, /needs a key/);
    const wrong = await predict(JSON.stringify([good()]), { authorization: 'Bearer ouro_not-the-key' });
    assert.equal(wrong.status, 403);
    assert.match((await error(wrong)).error, /not valid for model "penguins"/);
    const unknown = await predict(JSON.stringify([good()]), undefined, 'no-such-model');
    assert.equal(unknown.status, 404);
    assert.equal((await error(unknown)).error, 'No model named "no-such-model".');
  });

  test('a header that is not "Bearer <key>" is a key that is not valid (403); the service token is compared hashed', async () => {
    const basic = await predict(JSON.stringify([good()]), { authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(basic.status, 403);
    assert.match((await error(basic)).error, /not valid for model "penguins"/);
    const spaced = await predict(JSON.stringify([good()]), { authorization: 'Bearer two words' });
    assert.equal(spaced.status, 403);
  });

  test('a declared Content-Length over the cap: 413 before a byte of the body is read', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: () => {
        pulled++;
      },
    });
    const res = await serving.app.request('/v1/models/penguins/predict', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'content-length': String(100 * 1024 * 1024),
      },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal((await error(res)).code, 'body_too_large');
    assert.ok(pulled <= 1, `the body was read (${pulled} pulls)`);
  });

  test('not JSON, and an unsupported media type', async () => {
    assert.equal((await predict('{nope')).status, 400);
    const res = await serving.app.request('/v1/models/penguins/predict', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' },
      body: '<x/>',
    });
    assert.equal(res.status, 415);
  });
});

describe('metadata, health, metrics and the model page', () => {
  let serving: ReturnType<typeof createServing>;
  before(async () => {
    serving = createServing({ config: configFor(fixture.home), logger, pollMs: 200 });
    await serving.host.start();
  });
  after(() => serving.host.stop());

  test('GET /v2/models/{name} describes inputs and outputs (with the key)', async () => {
    assert.equal((await serving.app.request('/v2/models/penguins')).status, 401);
    const res = await serving.app.request('/v2/models/penguins', {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      name: string;
      versions: string[];
      platform: string;
      inputs: { name: string; datatype: string; shape: number[] }[];
      outputs: { name: string }[];
    };
    assert.equal(body.name, 'penguins');
    assert.deepEqual(body.versions, ['1']);
    assert.equal(body.platform, 'onnxruntime_onnx');
    assert.deepEqual(
      body.inputs.find((i) => i.name === 'island'),
      { name: 'island', datatype: 'BYTES', shape: [-1] },
    );
    assert.deepEqual(
      body.inputs.find((i) => i.name === 'body_mass_g'),
      { name: 'body_mass_g', datatype: 'FP64', shape: [-1] },
    );
    assert.deepEqual(
      body.outputs.map((o) => o.name),
      ['predict', 'predict_proba'],
    );
  });

  test('health and readiness', async () => {
    assert.equal((await serving.app.request('/v2/health/live')).status, 200);
    assert.equal((await serving.app.request('/v2/health/ready')).status, 200);
    const ready = await serving.app.request('/v2/models/penguins/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), {
      name: 'penguins',
      ready: true,
      version: 1,
      loading: null,
      error: null,
      path: 'onnx',
    });
    assert.equal((await serving.app.request('/v2/models/nope/ready')).status, 404);
  });

  test('/metrics counts requests, latency and errors per model, on the metrics app only', async () => {
    await serving.app.request('/v1/models/penguins/predict', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify([records[0]]),
    });
    await serving.app.request('/v1/models/penguins/predict', {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
      body: '[]',
    });
    assert.equal(
      (await serving.app.request('/metrics')).status,
      404,
      'the public app must not serve /metrics',
    );
    const text = await (await createMetricsApp(serving.metrics).request('/metrics')).text();
    assert.match(text, /ouro_requests_total\{model="penguins",route="v1_predict",status="200"\} 1/);
    assert.match(text, /ouro_request_errors_total\{model="penguins",route="v1_predict",code="forbidden"\} 1/);
    assert.match(
      text,
      /ouro_request_duration_seconds_bucket\{model="penguins",route="v1_predict",le="\+Inf"\} 2/,
    );
    assert.match(text, /ouro_model_info\{model="penguins",version="1",path="onnx"\} 1/);
  });

  test('the model page shows the task, scores, inputs, provenance, a curl and a form', async () => {
    const res = await serving.app.request('/models/penguins');
    assert.equal(res.status, 200);
    const html = await res.text();
    for (const want of [
      'Predicts <b>species</b>',
      'holdout log_loss',
      'baseline',
      'cross-validation',
      '<code>island</code>',
      'r-test-penguins',
      'curl -s -X POST',
      '<form id="try">',
      'ONNX in-process',
    ]) {
      assert.ok(html.includes(want), `page lacks ${want}`);
    }
    assert.equal((await serving.app.request('/models/nope')).status, 404);
  });

  test('the model page and the metadata show no row of the training data', async () => {
    const training = parseCsvRecords(await readFile(`${EXAMPLES}/penguins.csv`, 'utf8'));
    const html = await (await serving.app.request('/models/penguins')).text();
    const curl = /-d &#39;(\[.*?\])&#39;<\/pre>/s.exec(html);
    assert.ok(curl, 'no curl example on the page');
    const unescaped = curl[1]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;\\&#39;&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    const pageExample = (JSON.parse(unescaped) as Record<string, unknown>[])[0]!;
    const meta = await serving.app.request('/v2/models/penguins', {
      headers: { authorization: `Bearer ${key}` },
    });
    const metaExample = ((await meta.json()) as { ouro: { example: Record<string, unknown> } }).ouro.example;
    const numeric = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];
    for (const example of [pageExample, metaExample]) {
      assert.deepEqual(Object.keys(example).sort(), Object.keys(records[0]!).sort());
      const same = training.filter((row) =>
        numeric.every((c) => row[c] !== '' && row[c] !== 'NA' && Number(row[c]) === Number(example[c])),
      );
      assert.deepEqual(same, [], `the example ${JSON.stringify(example)} is a training row`);
      // The form's values are the example's: no measurement of the data at all.
      for (const c of numeric)
        assert.ok(
          !training.some((row) => row[c] === String(example[c])),
          `${c}=${String(example[c])} is a value of the data`,
        );
    }
    for (const c of numeric) {
      const value = new RegExp(`name="${c}" value="([^"]*)"`).exec(html)?.[1];
      assert.ok(
        value !== undefined && !training.some((row) => row[c] === value),
        `form field ${c}=${String(value)} is a value of the data`,
      );
    }
  });
});

describe('the internal service token (OURO_INTERNAL_TOKEN)', () => {
  const internal = 'internal-token-for-the-chat-bot-0123456789';
  let serving: ReturnType<typeof createServing>;
  before(async () => {
    serving = createServing({
      config: configFor(fixture.home, { OURO_INTERNAL_TOKEN: internal }),
      logger,
      pollMs: 200,
    });
    await serving.host.start();
  });
  after(() => serving.host.stop());

  test("is accepted for every model, beside the model's own key; anything else still gets 403", async () => {
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const viaToken = await serving.app.request('/v1/models/penguins/predict', {
      method: 'POST',
      headers: as(internal),
      body: JSON.stringify(records.slice(0, 2)),
    });
    assert.equal(viaToken.status, 200);
    assert.deepEqual(
      ((await viaToken.json()) as { predictions: string[] }).predictions,
      expected.predictions.slice(0, 2),
    );
    assert.equal(
      (
        await serving.app.request('/v1/models/penguins/predict', {
          method: 'POST',
          headers: as(key),
          body: JSON.stringify(records.slice(0, 1)),
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await serving.app.request('/v1/models/penguins/predict', {
          method: 'POST',
          headers: as(`${internal}x`),
          body: JSON.stringify(records.slice(0, 1)),
        })
      ).status,
      403,
    );
    const meta = await serving.app.request('/v2/models/penguins', { headers: as(internal) });
    assert.equal(meta.status, 200);
    // The metadata carries an example row the model accepts (the chat bot's /predict hint).
    const example = ((await meta.json()) as { ouro: { example: Record<string, unknown> } }).ouro.example;
    assert.ok('island' in example && 'body_mass_g' in example, JSON.stringify(example));
  });

  test('error bodies never echo the token, even when the request quotes it', async () => {
    const row = { [internal]: 1 };
    const res = await serving.app.request('/v1/models/penguins/predict', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify([row]),
    });
    assert.equal(res.status, 422);
    const text = await res.text();
    assert.ok(!text.includes(internal), text);
    assert.match(text, /The request has: \\"\[redacted\]\\"/);
  });
});

describe('rate limiting per key (OURO_SERVE_RATE_LIMIT)', () => {
  const internal = 'another-internal-token-0123456789abcdef';
  let serving: ReturnType<typeof createServing>;
  before(async () => {
    serving = createServing({
      config: configFor(fixture.home, { OURO_SERVE_RATE_LIMIT: '3', OURO_INTERNAL_TOKEN: internal }),
      logger,
      pollMs: 200,
    });
    await serving.host.start();
  });
  after(() => serving.host.stop());
  const predict = (token: string) =>
    serving.app.request('/v1/models/penguins/predict', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(records.slice(0, 1)),
    });

  test('past the limit a key gets 429 with Retry-After; another key is unaffected', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await predict(key)).status, 200, `request ${i + 1} of 3`);
    const limited = await predict(key);
    assert.equal(limited.status, 429);
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retry) && retry >= 1 && retry <= 60,
      `Retry-After: ${limited.headers.get('retry-after')}`,
    );
    const body = (await limited.json()) as { code: string; error: string };
    assert.equal(body.code, 'rate_limited');
    assert.match(body.error, /at most 3 per minute \(OURO_SERVE_RATE_LIMIT\)/);
    assert.equal((await predict(internal)).status, 200, 'the other key was limited too');
    assert.match(
      serving.metrics.render(),
      /ouro_requests_total\{model="penguins",route="v1_predict",status="429"\} 1/,
    );
  });
});

describe('through a real port', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer({ config: configFor(fixture.home), logger, port: 0, hostname: '127.0.0.1' });
  });
  after(() => server.close());

  test('serves /metrics on its own loopback listener, not on the API port', async () => {
    assert.ok(server.metricsUrl !== null);
    assert.match(server.metricsUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.metricsUrl, server.url);
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    const res = await fetch(`${server.metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /# TYPE ouro_requests_total counter/);
  });

  test('predicts, and refuses a 50 MB body with 413', async () => {
    const ok = await fetch(`${server.url}/v1/models/penguins/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(records.slice(0, 3)),
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(
      ((await ok.json()) as { predictions: string[] }).predictions,
      expected.predictions.slice(0, 3),
    );
    const big = await fetch(`${server.url}/v1/models/penguins/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: ' '.repeat(50 * 1024 * 1024),
    });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { code: string }).code, 'body_too_large');
  });
});

/** POSTs `parts` one after another (a turn of the event loop between them); stops writing once the answer came. */
function postInParts(
  url: string,
  headers: Record<string, string>,
  parts: Buffer[],
): Promise<{ status: number; body: string; partsWritten: number }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let written = 0;
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(parts.reduce((n, p) => n + p.length, 0)) },
      },
      (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, partsWritten: written }));
      },
    );
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const next = () => {
      if (answered || written === parts.length) return;
      req.write(parts[written++]!, () => setImmediate(next));
    };
    next();
  });
}

describe('bodies refused while streaming (through a real port)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const maxRows = 500;
  before(async () => {
    server = await startServer({
      config: configFor(fixture.home, { OURO_SERVE_MAX_ROWS: String(maxRows) }),
      logger,
      port: 0,
      hostname: '127.0.0.1',
    });
  });
  after(() => server.close());
  const auth = () => ({ authorization: `Bearer ${key}` });

  test('a 10 MB, 5M-row CSV is refused (413) after cap + 1 rows, and health answers meanwhile', async () => {
    // 5M rows of "1\n" under a header: 10 MB, within the 10 MB body cap, so only the row cap can stop it.
    const row = Buffer.from('1\n'.repeat(50_000));
    const parts = [Buffer.from('island\n'), ...Array.from({ length: 100 }, () => row)];
    assert.equal(
      parts.reduce((n, p) => n + p.length, 0),
      10_000_007,
    );
    const before = server.metrics.csvRowsParsed('penguins');
    const health: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const t0 = performance.now();
        const res = await fetch(`${server.url}/v2/health/live`);
        assert.equal(res.status, 200);
        await res.body?.cancel();
        health.push(performance.now() - t0);
        await sleep(5);
      }
    })();
    const t0 = performance.now();
    const res = await postInParts(
      `${server.url}/v1/models/penguins/predict`,
      { ...auth(), 'content-type': 'text/csv' },
      parts,
    ).finally(() => (done = true));
    const elapsed = performance.now() - t0;
    await probe;
    assert.equal(res.status, 413, res.body);
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'too_many_rows');
    const parsed = server.metrics.csvRowsParsed('penguins') - before;
    // The row past the cap is the last one parsed: the other 4,999,499 rows never were.
    assert.ok(parsed >= maxRows + 1 && parsed <= maxRows + 1 + 10, `parsed ${parsed} rows`);
    assert.ok(
      res.partsWritten < parts.length,
      `the whole body (${res.partsWritten} parts) was sent before the answer`,
    );
    assert.ok(health.length >= 1, 'no health check finished while the body was sent');
    assert.ok(
      Math.max(...health) < 1000,
      `a health check waited ${Math.round(Math.max(...health))} ms (answered in ${Math.round(elapsed)} ms)`,
    );
  });

  test('/v2/health/live answers while a slow body is still being sent', async () => {
    const header = Buffer.from(`${Object.keys(records[0]!).join(',')}\n`);
    const lines = records.slice(0, 40).map((r) =>
      Buffer.from(
        `${Object.values(r)
          .map((v) => v ?? '')
          .join(',')}\n`,
      ),
    );
    let healthDuringUpload = 0;
    const slowParts = [header, ...lines];
    const upload = new Promise<{ status: number }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/v1/models/penguins/predict`,
        {
          method: 'POST',
          headers: {
            ...auth(),
            'content-type': 'text/csv',
            'content-length': String(slowParts.reduce((n, p) => n + p.length, 0)),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', reject);
      void (async () => {
        for (const [i, part] of slowParts.entries()) {
          req.write(part);
          await sleep(10);
          if (i === 20) {
            const res = await fetch(`${server.url}/v2/health/live`);
            if (res.status === 200) healthDuringUpload++;
          }
        }
        req.end();
      })();
    });
    assert.equal((await upload).status, 200);
    assert.equal(healthDuringUpload, 1);
  });

  test('JSON nested 100k levels deep gets 422 (v1 body and v2 tensor data), not a 500', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const v1 = await fetch(`${server.url}/v1/models/penguins/predict`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: deep,
    });
    assert.equal(v1.status, 422);
    const b1 = (await v1.json()) as { code: string; error: string };
    assert.equal(b1.code, 'nesting_too_deep');
    assert.match(b1.error, /more than 32 levels deep/);
    const v2body = `{"inputs":[{"name":"island","shape":[1],"datatype":"BYTES","data":${deep}}]}`;
    const v2 = await fetch(`${server.url}/v2/models/penguins/infer`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: v2body,
    });
    assert.equal(v2.status, 422);
    assert.equal(((await v2.json()) as { code: string }).code, 'nesting_too_deep');
    // Shallow enough for the guard but nested past what a tensor may hold: still a 4xx, never a 500.
    const nested = `{"inputs":[{"name":"island","shape":[1],"datatype":"BYTES","data":${'['.repeat(20)}"Biscoe"${']'.repeat(20)}}]}`;
    const v2b = await fetch(`${server.url}/v2/models/penguins/infer`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: nested,
    });
    assert.ok(v2b.status >= 400 && v2b.status < 500, `status ${v2b.status}`);
  });

  test('a JSON array longer than the row cap is refused while reading (413)', async () => {
    const res = await fetch(`${server.url}/v1/models/penguins/predict`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: `[${'{},'.repeat(2_000_000)}{}]`,
    });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: string }).error, /more than 500 rows/);
  });
});
