/**
 * Forecasting end to end with real sandboxes: the loop on examples/air_passengers.csv (one
 * monthly series) and on a panel built from several series, then the served model answering
 * "the next H values" over HTTP.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { versionDir } from '../core/registry.ts';
import { runPaths } from '../core/run-paths.ts';
import { TargetAnalysisSchema } from '../core/schemas/profile.ts';
import { createKeyIfMissing } from '../deploy/api-keys.ts';
import { createServing } from '../deploy/server.ts';
import { python } from '../deploy/test-fixtures.ts';
import { REPO_ROOT } from './support/cli.ts';
import { runInProcess, type InProcessRun } from './support/run-in-process.ts';
import { makeTempDir } from './support/temp-dir.ts';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await makeTempDir('forecast');
});
after(() => dir.cleanup());

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

describe('a single monthly series', () => {
  let run: InProcessRun;
  before(async () => {
    run = await runInProcess({
      home: join(dir.path, 'single'),
      file: join(REPO_ROOT, 'examples', 'air_passengers.csv'),
      goal: 'forecast passengers for the next 12 months',
      options: { maxExperiments: 3, budgetSeconds: 240 },
    });
  });

  test('is understood as a 12-step monthly forecast and beats seasonal naive on the holdout', () => {
    assert.equal(run.outcome.status, 'succeeded', run.outcome.error?.message);
    const card = run.outcome.card!;
    assert.equal(card.task, 'forecast');
    assert.equal(card.metric, 'mase');
    assert.deepEqual(
      [
        card.forecast?.frequencyLabel,
        card.forecast?.horizon,
        card.forecast?.seasonLength,
        card.forecast?.dateColumn,
      ],
      ['monthly', 12, 12, 'month'],
    );
    assert.equal(card.data.holdoutRows, 12);
    // The baseline on a forecast card is the seasonal naive forecast of the same holdout.
    assert.ok(
      card.holdout.score < card.holdout.baseline,
      `mase ${card.holdout.score} vs seasonal naive ${card.holdout.baseline}`,
    );
    assert.deepEqual(Object.keys(card.holdout.all).sort(), ['mase', 'rmse', 'smape']);
    const families = run.events.flatMap((e) => (e.type === 'experiment.started' ? [e.family] : []));
    assert.equal(families[0], 'baseline');
  });

  test('every experiment script uses rolling-origin CV, never a shuffled split', async () => {
    for (const e of run.events) {
      if (e.type !== 'experiment.started') continue;
      const script = await readFile(join(run.root, e.script), 'utf8');
      assert.match(script, /rolling_origin_cv\(/);
      assert.doesNotMatch(script, /KFold|shuffle|train_test_split|cross_validate\(/);
    }
  });

  test('the card has the forecast-against-holdout chart, and the served model starts after the data', async () => {
    const card = run.outcome.card!;
    const version = versionDir(run.config.OURO_HOME, card.name, card.version);
    assert.equal(card.forecast?.chart, 'forecast.png');
    const png = await readFile(join(version, 'forecast.png'));
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const signature = await readJson<{ forecast: { series: { id: string; last: string }[] } }>(
      join(version, 'model', 'signature.json'),
    );
    // Refit on training + holdout: the file's last month is 1960-12.
    assert.equal(signature.forecast.series[0]?.last.slice(0, 10), '1960-12-01');
  });

  describe('served', () => {
    let serving: ReturnType<typeof createServing>;
    let key: string;
    before(async () => {
      const config = loadConfig({
        OURO_HOME: run.config.OURO_HOME,
        OURO_SERVE_WORKERS: '1',
        ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
      });
      key = (await createKeyIfMissing(config.OURO_HOME, run.outcome.card!.name))!;
      serving = createServing({ config, logger: createLogger('silent'), pollMs: 200 });
      await serving.host.start();
    });
    after(() => serving.host.stop());

    const forecast = (body: unknown, auth = `Bearer ${key}`) =>
      serving.app.request(`/v1/models/${run.outcome.card!.name}/forecast`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    test('answers the next H values after the last observation, with intervals', async () => {
      const res = await forecast({ horizon: 6 });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as {
        forecasts: { date: string; value: number; lo?: number; hi?: number }[];
        frequency: string;
      };
      assert.equal(body.forecasts.length, 6);
      assert.equal(body.forecasts[0]!.date.slice(0, 10), '1961-01-01');
      assert.equal(body.forecasts[5]!.date.slice(0, 10), '1961-06-01');
      for (const p of body.forecasts) {
        assert.ok(Number.isFinite(p.value) && p.value > 100, JSON.stringify(p));
        if (p.lo !== undefined) assert.ok(p.lo! <= p.value && p.value <= p.hi!);
      }
    });

    test('forecasts from new observations sent with the request', async () => {
      const history = [
        { date: '1961-01-01', value: 900 },
        { date: '1961-02-01', value: 950 },
      ];
      const res = await forecast({ horizon: 2, history });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as { forecasts: { date: string; value: number }[] };
      assert.equal(body.forecasts[0]!.date.slice(0, 10), '1961-03-01');
      const plain = (await (await forecast({ horizon: 4 })).json()) as { forecasts: { value: number }[] };
      assert.ok(
        body.forecasts[0]!.value > plain.forecasts[2]!.value,
        'a much higher recent level raises the forecast',
      );
    });

    test('the model page shows the chart and how to ask for a forecast', async () => {
      const name = run.outcome.card!.name;
      const page = await (await serving.app.request(`/models/${name}`)).text();
      assert.match(page, new RegExp(`<img src="/models/${name}/forecast.png"`));
      assert.ok(page.includes(`/v1/models/${name}/forecast`), 'the curl and the form call /forecast');
      assert.match(page, /baseline \(seasonal naive\)/);
      const png = await serving.app.request(`/models/${name}/forecast.png`);
      assert.equal(png.status, 200);
      assert.equal(png.headers.get('content-type'), 'image/png');
    });

    test('also answers /predict for rows naming future dates, consistent with /forecast', async () => {
      const name = run.outcome.card!.name;
      const res = await serving.app.request(`/v1/models/${name}/predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ month: '1961-03-01' }, { month: '1961-01-01' }]),
      });
      assert.equal(res.status, 200, await res.clone().text());
      const { predictions } = (await res.json()) as { predictions: number[] };
      const { forecasts } = (await (await forecast({ horizon: 3 })).json()) as {
        forecasts: { value: number }[];
      };
      assert.ok(
        Math.abs(predictions[0]! - forecasts[2]!.value) < 1e-6 &&
          Math.abs(predictions[1]! - forecasts[0]!.value) < 1e-6,
        JSON.stringify({ predictions, forecasts }),
      );
    });

    test('refuses bad requests before they reach Python', async () => {
      assert.equal((await forecast({ horizon: 6 }, 'Bearer wrong')).status, 403);
      const badDate = await forecast({ history: [{ date: 'soon', value: 1 }] });
      assert.equal(badDate.status, 422);
      assert.equal(((await badDate.json()) as { code: string }).code, 'invalid_value');
      assert.equal((await forecast({ horizon: -1 })).status, 400);
    });
  });
});

describe('a panel of several series', () => {
  let run: InProcessRun;
  before(async () => {
    // Three monthly series with different levels, lengths and start dates, interleaved by date.
    const lines = ['store,date,sales'];
    const series = [
      { id: 'north', start: 2012, months: 60, level: 200, trend: 2 },
      { id: 'south', start: 2013, months: 48, level: 50, trend: 0.5 },
      { id: 'east', start: 2014, months: 36, level: 1000, trend: -3 },
    ];
    const rows: [string, string, number][] = [];
    for (const s of series) {
      for (let t = 0; t < s.months; t++) {
        const d = new Date(Date.UTC(s.start, t, 1)).toISOString().slice(0, 10);
        rows.push([
          s.id,
          d,
          s.level + s.trend * t + 0.1 * s.level * Math.sin((2 * Math.PI * t) / 12) + ((t * 7919) % 13) / 13,
        ]);
      }
    }
    rows.sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]));
    for (const r of rows) lines.push(`${r[0]},${r[1]},${r[2].toFixed(3)}`);
    const file = join(dir.path, 'stores.csv');
    await writeFile(file, lines.join('\n') + '\n');
    run = await runInProcess({
      home: join(dir.path, 'panel'),
      file,
      goal: 'forecast sales for the next 6 months',
      options: { maxExperiments: 2, budgetSeconds: 240 },
    });
  });

  test('finds the series column and holds out the last 6 months of every series', async () => {
    assert.equal(run.outcome.status, 'succeeded', run.outcome.error?.message);
    const analysis = TargetAnalysisSchema.parse(
      await readJson(runPaths(run.config.OURO_HOME, run.runId).analysis),
    );
    assert.equal(analysis.forecast?.idColumn, 'store');
    assert.equal(analysis.forecast?.series, 3);
    assert.equal(analysis.holdoutRows, 18);
    const labels = await readJson<{ series: string[]; scales: Record<string, number> }>(
      runPaths(run.config.OURO_HOME, run.runId).labels,
    );
    for (const id of ['north', 'south', 'east'])
      assert.equal(labels.series.filter((s) => s === id).length, 6, id);
    assert.deepEqual(Object.keys(labels.scales).sort(), ['east', 'north', 'south']);
  });

  test('no holdout timestamp precedes a training timestamp of the same series', async () => {
    const paths = runPaths(run.config.OURO_HOME, run.runId);
    const out = python([
      '-c',
      [
        'import sys, json, pandas as pd',
        'train = pd.read_parquet(sys.argv[1]); hold = pd.read_parquet(sys.argv[2])',
        'last = train.groupby("unique_id")["ds"].max()',
        'first = pd.to_datetime(hold["date"]).groupby(hold["store"]).min()',
        'print(json.dumps({k: [str(last[k]), str(first[k])] for k in first.index}))',
      ].join('\n'),
      join(paths.workspace, 'train.parquet'),
      paths.holdoutFeatures,
    ]);
    const bounds = JSON.parse(out) as Record<string, [string, string]>;
    assert.equal(Object.keys(bounds).length, 3);
    for (const [id, [trainEnd, holdStart]] of Object.entries(bounds))
      assert.ok(
        new Date(holdStart) > new Date(trainEnd),
        `${id}: holdout ${holdStart} vs training end ${trainEnd}`,
      );
  });

  test('the served model forecasts each series on its own', async () => {
    const card = run.outcome.card!;
    const signature = await readJson<{ forecast: { series: { id: string; last: string }[] } }>(
      join(versionDir(run.config.OURO_HOME, card.name, card.version), 'model', 'signature.json'),
    );
    assert.deepEqual(signature.forecast.series.map((s) => s.id).sort(), ['east', 'north', 'south']);
    const config = loadConfig({
      OURO_HOME: run.config.OURO_HOME,
      OURO_SERVE_WORKERS: '1',
      ...(process.env.OURO_PYTHON ? { OURO_PYTHON: process.env.OURO_PYTHON } : {}),
    });
    const key = (await createKeyIfMissing(config.OURO_HOME, card.name))!;
    const serving = createServing({ config, logger: createLogger('silent'), pollMs: 200 });
    await serving.host.start();
    try {
      const ask = (body: unknown) =>
        serving.app.request(`/v1/models/${card.name}/forecast`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
        });
      const levels: Record<string, number> = {};
      for (const id of ['north', 'south', 'east']) {
        const res = await ask({ series: id, horizon: 3 });
        assert.equal(res.status, 200, await res.clone().text());
        const body = (await res.json()) as { series: string; forecasts: { value: number }[] };
        assert.equal(body.series, id);
        levels[id] = body.forecasts[0]!.value;
      }
      // Each series keeps its own level (south ~ 75, north ~ 320, east ~ 900).
      assert.ok(levels.south! < levels.north! && levels.north! < levels.east!, JSON.stringify(levels));
      assert.equal((await ask({ horizon: 3 })).status, 400, 'a panel model needs the series named');
      assert.equal((await ask({ series: 'west', horizon: 3 })).status, 422);
    } finally {
      await serving.host.stop();
    }
  });
});

describe('series that need diagnosing', () => {
  test('gaps, a duplicate timestamp and values below zero are diagnosed, fixed and shown', async () => {
    const lines = ['week,temperature'];
    for (let t = 0; t < 120; t++) {
      if (t >= 40 && t < 43) continue; // a gap of three weeks
      const d = new Date(Date.UTC(2020, 0, 6 + 7 * t)).toISOString().slice(0, 10);
      const v = (10 * Math.sin((2 * Math.PI * t) / 52) + ((t * 37) % 7) / 7 - 2).toFixed(2);
      lines.push(`${d},${v}`);
      if (t === 60) lines.push(`${d},${(Number(v) + 1).toFixed(2)}`); // the same week twice
    }
    const file = join(dir.path, 'temps.csv');
    await writeFile(file, lines.join('\n') + '\n');
    const run = await runInProcess({
      home: join(dir.path, 'messy'),
      file,
      goal: 'forecast temperature for the next 8 weeks',
      options: { maxExperiments: 1, budgetSeconds: 120 },
    });
    assert.equal(run.outcome.status, 'succeeded', run.outcome.error?.message);
    const warnings = run.events.flatMap((e) => (e.type === 'note' && e.level === 'warn' ? [e.message] : []));
    for (const cls of ['gaps', 'duplicate_timestamps', 'non_positive_for_multiplicative']) {
      assert.ok(
        warnings.some((w) => w.startsWith(`${cls}:`) && /Fix: /.test(w)),
        `${cls} in ${JSON.stringify(warnings)}`,
      );
      assert.ok(
        run.outcome.card!.findings.some((f) => f.startsWith(`${cls}:`)),
        `${cls} on the card`,
      );
    }
    assert.equal(run.outcome.card!.forecast?.frequencyLabel, 'weekly');
    assert.equal(run.outcome.card!.data.holdoutRows, 8);
  });

  test('irregular timestamps stop the run with the fix in the message', async () => {
    const lines = ['day,visits'];
    let day = 0;
    for (let i = 0; i < 80; i++) {
      day += 1 + ((i * 7919) % 23);
      lines.push(`${new Date(Date.UTC(2021, 0, day)).toISOString().slice(0, 10)},${100 + (i % 9)}`);
    }
    const file = join(dir.path, 'visits.csv');
    await writeFile(file, lines.join('\n') + '\n');
    const run = await runInProcess({
      home: join(dir.path, 'irregular'),
      file,
      goal: 'forecast visits for the next 2 weeks',
      options: { maxExperiments: 1 },
    });
    assert.equal(run.outcome.status, 'failed');
    assert.equal(run.outcome.error?.code, 'series_unusable');
    assert.match(
      run.outcome.error!.message,
      /irregular_timestamps: .*Aggregate the rows to a regular period/,
    );
    assert.equal(run.events.filter((e) => e.type === 'experiment.started').length, 0);
  });
});
