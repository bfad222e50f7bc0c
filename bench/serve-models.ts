import type { FixtureFamily } from '../deploy/test-fixtures.ts';

/** What bench:serve (bench/serve.ts) serves, and its in-process Python baseline. */

/**
 * In-process timings per family (no HTTP, no sandbox): the bare pipeline on a cleaned row, the
 * serving loop as it was before this change (DataFrame.from_records, the pandas cleaner, then
 * predict and predict_proba: the pipeline twice), and as it is (serve_loop._answer: the
 * cell-by-cell cleaner, the pipeline once).
 */
export const BASELINE = `
import json, sys, time, warnings
import numpy as np, pandas as pd
warnings.simplefilter('ignore')
from ouro_harness.predict import load_model
from ouro_harness.serve_loop import _answer
from ouro_harness.model import align_probabilities, estimator_classes
n = int(sys.argv[1])
def run(*fns):
    # Interleaved, one call of each per round: on a shared machine the load changes by the
    # second, and timing one variant after the other would compare two different machines.
    for i in range(min(50, n)):
        for fn in fns: fn(i)
    t = [[] for _ in fns]
    for i in range(n):
        for k, fn in enumerate(fns):
            s = time.perf_counter(); fn(i); t[k].append((time.perf_counter() - s) * 1000)
    out = []
    for ts in t:
        ts.sort(); out.append((ts[len(ts) // 2], ts[min(len(ts) - 1, int(0.99 * len(ts)))]))
    return out
def before(model, row):
    frame = pd.DataFrame.from_records([row], columns=model.cleaner.input_names)
    X = model.transform(frame)
    p = np.asarray(model.estimator.predict(X))
    p = p.astype(float) if model.task == 'regression' else p.astype(str)
    if model.has_proba:
        align_probabilities(model.estimator.predict_proba(X), estimator_classes(model.estimator), model.classes)
    return p
out = {}
for name, model_dir, rows_file in json.loads(sys.argv[2]):
    model = load_model(model_dir)
    rows = json.loads(open(rows_file).read())
    cleaned = [model.transform(pd.DataFrame([r])) for r in rows]
    bare = (lambda i: model.estimator.predict_proba(cleaned[i % len(cleaned)])) if model.has_proba else (lambda i: model.estimator.predict(cleaned[i % len(cleaned)]))
    pipeline, old, new = run(bare, lambda i: before(model, rows[i % len(rows)]),
                             lambda i: _answer(model, {"id": 1, "rows": [rows[i % len(rows)]]}))
    out[name] = {"pipeline": pipeline, "before": old, "after": new}
print(json.dumps(out))
`;

/** The families that win runs, each on the example it is benchmarked on. */
export const MODELS: {
  name: string;
  family: FixtureFamily;
  label: string;
  csv: string;
  target: string;
  task: 'binary' | 'multiclass';
  metric: 'roc_auc' | 'log_loss';
}[] = [
  {
    name: 'pima',
    family: 'forest',
    label: 'random forest (pima_diabetes)',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
  {
    name: 'blend',
    family: 'blend',
    label: 'blend: linear + LightGBM + forest, soft voting (penguins)',
    csv: 'penguins.csv',
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
  },
  {
    name: 'lightgbm',
    family: 'lightgbm',
    label: 'LightGBM (pima_diabetes)',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
  {
    name: 'linear',
    family: 'linear',
    label: 'linear, one-hot categoricals (penguins)',
    csv: 'penguins.csv',
    target: 'species',
    task: 'multiclass',
    metric: 'log_loss',
  },
  {
    name: 'prior',
    family: 'prior',
    label: 'prior baseline (pima_diabetes)',
    csv: 'pima_diabetes.csv',
    target: 'diabetes',
    task: 'binary',
    metric: 'roc_auc',
  },
];
