/**
 * The prediction API against a real model (trained by the harness on examples/penguins.csv:
 * multiclass, categoricals, missing values), real sandboxed Python workers and the real ONNX
 * runtime: in-process through app.request(), and through a real port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createKeyIfMissing } from './api-keys.ts';
import { ONNX_TOLERANCE } from './prepare-serving.ts';
import { createServing, startServer } from './server.ts';
import { EXAMPLES, harnessPredict, holdoutRecords, publishFixtureModel, tempHome, type Fixture } from './test-fixtures.ts';

const logger = createLogger('silent');
let fixture: Fixture;
let key: string;
let records: Record<string, string | null>[];
let expected: Awaited<ReturnType<typeof harnessPredict>>;

function configFor(home: string, over: Record<string, string> = {}): Config {
  return loadConfig({ OURO_HOME: home, OURO_SERVE_WORKERS: '1', OURO_SERVE_MAX_ROWS: '500', ...over });
}

before(async () => {
  const home = await tempHome();
  fixture = await publishFixtureModel({ home, name: 'penguins', csv: `${EXAMPLES}/penguins.csv`, target: 'species', task: 'multiclass', metric: 'log_loss', family: 'linear' });
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
      serving = createServing({ config: configFor(fixture.home, { OURO_SERVE_ONNX: path === 'onnx' ? 'auto' : 'off' }), logger, pollMs: 200 });
      await serving.host.start();
    });
    after(() => serving.host.stop());

    const post = (url: string, body: string, type = 'application/json') =>
      serving.app.request(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': type }, body });

    test('serves through the expected path', () => {
      assert.equal(serving.host.loaded()[0]?.path, path);
    });

    test('/v1 predictions equal the harness predict CLI on the holdout features', async () => {
      const res = await post('/v1/models/penguins/predict', JSON.stringify(records));
      assert.equal(res.status, 200);
      const body = (await res.json()) as { model: string; version: number; predictions: string[]; probabilities: Record<string, number>[]; warnings: string[] };
      assert.equal(body.model, 'penguins');
      assert.equal(body.version, 1);
      const classes = expected.classes!;
      assertSameAsHarness(body.predictions, body.probabilities.map((o) => classes.map((c) => o[c]!)), path === 'python');
    });

    test('/v2 infer (one tensor per column) equals the harness too', async () => {
      const inputs = Object.keys(records[0]!).map((name) => ({ name, shape: [records.length], datatype: 'BYTES', data: records.map((r) => r[name] ?? null) }));
      const res = await post('/v2/models/penguins/infer', JSON.stringify({ id: 'req-1', inputs }));
      assert.equal(res.status, 200);
      const body = (await res.json()) as { model_name: string; model_version: string; id: string; outputs: { name: string; shape: number[]; data: (string | number)[] }[] };
      assert.equal(body.id, 'req-1');
      assert.equal(body.model_version, '1');
      const predict = body.outputs.find((o) => o.name === 'predict')!;
      const proba = body.outputs.find((o) => o.name === 'predict_proba')!;
      const k = expected.classes!.length;
      assert.deepEqual(proba.shape, [records.length, k]);
      const rows = Array.from({ length: records.length }, (_, i) => (proba.data as number[]).slice(i * k, i * k + k));
      assertSameAsHarness(predict.data, rows, path === 'python');
    });

    test('a CSV body predicts like the same rows in JSON', async () => {
      const cols = Object.keys(records[0]!);
      const csv = [cols.join(','), ...records.slice(0, 5).map((r) => cols.map((c) => r[c] ?? '').join(','))].join('\n');
      const res = await post('/v1/models/penguins/predict', csv, 'text/csv');
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { predictions: string[] }).predictions, expected.predictions.slice(0, 5));
    });

    test('typed JSON values, text numbers and an unseen category', async () => {
      const row = { island: 'Atlantis', bill_length_mm: 45.2, bill_depth_mm: '15', flipper_length_mm: 210, body_mass_g: '5,000', sex: null, year: 2008 };
      const res = await post('/v1/models/penguins/predict', JSON.stringify({ records: [row] }));
      assert.equal(res.status, 200);
      const body = (await res.json()) as { predictions: string[]; warnings: string[] };
      assert.equal(body.predictions.length, 1);
      assert.match(body.warnings.join(' '), /Column "island": 1 row with a category the model never saw in training \("Atlantis" in row 0\)/);
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
  const predict = (body: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }, name = 'penguins') =>
    serving.app.request(`/v1/models/${name}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const error = async (res: Response) => (await res.json()) as { error: string; code: string; details?: { row: number; column: string; expected: string }[] };

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
    assert.deepEqual(body.details?.[0], { row: 2, column: 'body_mass_g', expected: 'a number', value: 'heavy' });
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
    assert.match((await error(res)).error, /501 rows; at most 500/);
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

  test('not JSON, and an unsupported media type', async () => {
    assert.equal((await predict('{nope')).status, 400);
    const res = await serving.app.request('/v1/models/penguins/predict', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' }, body: '<x/>' });
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
    const res = await serving.app.request('/v2/models/penguins', { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { name: string; versions: string[]; platform: string; inputs: { name: string; datatype: string; shape: number[] }[]; outputs: { name: string }[] };
    assert.equal(body.name, 'penguins');
    assert.deepEqual(body.versions, ['1']);
    assert.equal(body.platform, 'onnxruntime_onnx');
    assert.deepEqual(body.inputs.find((i) => i.name === 'island'), { name: 'island', datatype: 'BYTES', shape: [-1] });
    assert.deepEqual(body.inputs.find((i) => i.name === 'body_mass_g'), { name: 'body_mass_g', datatype: 'FP64', shape: [-1] });
    assert.deepEqual(body.outputs.map((o) => o.name), ['predict', 'predict_proba']);
  });

  test('health and readiness', async () => {
    assert.equal((await serving.app.request('/v2/health/live')).status, 200);
    assert.equal((await serving.app.request('/v2/health/ready')).status, 200);
    const ready = await serving.app.request('/v2/models/penguins/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { name: 'penguins', ready: true, version: 1, loading: null, error: null, path: 'onnx' });
    assert.equal((await serving.app.request('/v2/models/nope/ready')).status, 404);
  });

  test('/metrics counts requests, latency and errors per model', async () => {
    await serving.app.request('/v1/models/penguins/predict', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify([records[0]]) });
    await serving.app.request('/v1/models/penguins/predict', { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: '[]' });
    const text = await (await serving.app.request('/metrics')).text();
    assert.match(text, /ouro_requests_total\{model="penguins",route="v1_predict",status="200"\} 1/);
    assert.match(text, /ouro_request_errors_total\{model="penguins",route="v1_predict",code="forbidden"\} 1/);
    assert.match(text, /ouro_request_duration_seconds_bucket\{model="penguins",route="v1_predict",le="\+Inf"\} 2/);
    assert.match(text, /ouro_model_info\{model="penguins",version="1",path="onnx"\} 1/);
  });

  test('the model page shows the task, scores, inputs, provenance, a curl and a form', async () => {
    const res = await serving.app.request('/models/penguins');
    assert.equal(res.status, 200);
    const html = await res.text();
    for (const want of ['Predicts <b>species</b>', 'holdout log_loss', 'baseline', 'cross-validation', '<code>island</code>', 'r-test-penguins', 'curl -s -X POST', '<form id="try">', 'ONNX in-process']) {
      assert.ok(html.includes(want), `page lacks ${want}`);
    }
    assert.equal((await serving.app.request('/models/nope')).status, 404);
  });
});

describe('the internal service token (OURO_INTERNAL_TOKEN)', () => {
  const internal = 'internal-token-for-the-chat-bot-0123456789';
  let serving: ReturnType<typeof createServing>;
  before(async () => {
    serving = createServing({ config: configFor(fixture.home, { OURO_INTERNAL_TOKEN: internal }), logger, pollMs: 200 });
    await serving.host.start();
  });
  after(() => serving.host.stop());

  test('is accepted for every model, beside the model\'s own key; anything else still gets 403', async () => {
    const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const viaToken = await serving.app.request('/v1/models/penguins/predict', { method: 'POST', headers: as(internal), body: JSON.stringify(records.slice(0, 2)) });
    assert.equal(viaToken.status, 200);
    assert.deepEqual(((await viaToken.json()) as { predictions: string[] }).predictions, expected.predictions.slice(0, 2));
    assert.equal((await serving.app.request('/v1/models/penguins/predict', { method: 'POST', headers: as(key), body: JSON.stringify(records.slice(0, 1)) })).status, 200);
    assert.equal((await serving.app.request('/v1/models/penguins/predict', { method: 'POST', headers: as(`${internal}x`), body: JSON.stringify(records.slice(0, 1)) })).status, 403);
    const meta = await serving.app.request('/v2/models/penguins', { headers: as(internal) });
    assert.equal(meta.status, 200);
    // The metadata carries an example row the model accepts (the chat bot's /predict hint).
    const example = ((await meta.json()) as { ouro: { example: Record<string, unknown> } }).ouro.example;
    assert.ok('island' in example && 'body_mass_g' in example, JSON.stringify(example));
  });
});

describe('through a real port', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer({ config: configFor(fixture.home), logger, port: 0, hostname: '127.0.0.1' });
  });
  after(() => server.close());

  test('predicts, and refuses a 50 MB body with 413', async () => {
    const ok = await fetch(`${server.url}/v1/models/penguins/predict`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(records.slice(0, 3)) });
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { predictions: string[] }).predictions, expected.predictions.slice(0, 3));
    const big = await fetch(`${server.url}/v1/models/penguins/predict`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: ' '.repeat(50 * 1024 * 1024) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { code: string }).code, 'body_too_large');
  });
});
