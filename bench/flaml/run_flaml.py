"""FLAML and a constant baseline on exactly the split an ouro run used.

Run by bench/quality.ts with the FLAML virtualenv's Python, after ouro's run on the same file
and seed. The split is recomputed with the harness's own functions (the same target cleaning,
the same seeded stratified split) from the run's whole-file table, and checked against the
run's vault, so every contender is scored on the same rows. FLAML gets the original CSV as a
user would read it with pandas, restricted to the training rows.

Writes one JSON document: the holdout labels, and per contender either class probabilities
(columns in `classes` order) or predictions. Scoring happens in TypeScript with core/metrics.ts,
the implementation that scores ouro.
"""

import argparse
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

from ouro_harness.jsonfile import read_json
from ouro_harness.split import _resolve_target, clean_target, split_rows
from ouro_harness.tables import read_parquet

FLAML_METRIC = {
    'roc_auc': 'roc_auc', 'log_loss': 'log_loss', 'f1_macro': 'macro_f1', 'accuracy': 'accuracy',
    'rmse': 'rmse', 'mae': 'mae', 'r2': 'r2',
}


def same_split(run: str, task: str, seed: int, fraction: float):
    table = read_parquet(f'{run}/prep/table.parquet')
    profile = read_json(f'{run}/prep/profile.json')
    schema = read_json(f'{run}/workspace/schema.json')
    delimiter = profile.get('file', {}).get('delimiter', ',')
    target = _resolve_target(list(table.columns), schema['target'])
    info = next(c for c in profile['columns'] if c['name'] == target)
    y = clean_target(table[target], info, task, delimiter).rename(target)
    y = y[y.notna()]
    train_idx, hold_idx, _ = split_rows(y, task, fraction, seed)
    vault = read_json(f'{run}/vault/labels.json')['labels']
    mine = y.loc[hold_idx].tolist()
    if len(mine) != len(vault) or any((a != b) if isinstance(a, str) else abs(a - b) > 1e-9 for a, b in zip(mine, vault)):
        sys.exit('the recomputed holdout differs from the ouro run\'s vault; the contenders would not share a split')
    return target, y, train_idx, hold_idx, len(table)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--csv', required=True)
    p.add_argument('--run', required=True, help="the ouro run folder whose split to reuse")
    p.add_argument('--task', required=True, choices=['binary', 'multiclass', 'regression'])
    p.add_argument('--metric', required=True, choices=sorted(FLAML_METRIC))
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--holdout-fraction', type=float, default=0.2)
    p.add_argument('--budget', type=float, required=True, help='FLAML time_budget in seconds')
    p.add_argument('--n-jobs', type=int, required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--check-split', action='store_true', help='only verify that the split matches the run, then exit')
    a = p.parse_args()

    target, y, train_idx, hold_idx, n_rows = same_split(a.run, a.task, a.seed, a.holdout_fraction)
    if a.check_split:
        return
    df = pd.read_csv(a.csv)
    if len(df) != n_rows:
        sys.exit(f'pandas reads {len(df)} rows from {a.csv} but the ouro run profiled {n_rows}')
    X = df.drop(columns=[target])
    y_train, y_hold = y.loc[train_idx], y.loc[hold_idx]
    classify = a.task != 'regression'
    out = {'task': a.task, 'metric': a.metric, 'trainRows': int(len(train_idx)), 'holdoutRows': int(len(hold_idx)),
           'yTrue': y_hold.tolist()}

    # The constant baseline: the training prior (classification) or mean (regression).
    if classify:
        classes = sorted(y_train.unique().tolist())
        prior = y_train.value_counts(normalize=True).reindex(classes).to_numpy()
        out['classes'] = classes
        out['baseline'] = {'proba': [prior.tolist()] * len(hold_idx), 'pred': [classes[int(np.argmax(prior))]] * len(hold_idx), 'seconds': 0}
    else:
        out['baseline'] = {'pred': [float(y_train.mean())] * len(hold_idx), 'seconds': 0}

    from flaml import AutoML
    automl = AutoML()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        automl.fit(X.loc[train_idx], y_train.to_numpy(), task='classification' if classify else 'regression',
                   metric=FLAML_METRIC[a.metric] if not (a.metric == 'roc_auc' and a.task == 'multiclass') else 'roc_auc_ovr',
                   time_budget=a.budget, n_jobs=a.n_jobs, seed=a.seed, verbose=0)
        X_hold = X.loc[hold_idx]
        if classify:
            proba = automl.predict_proba(X_hold)
            theirs = [str(c) for c in automl.classes_]
            # Columns in the sorted class order every contender uses; classes FLAML never saw get 0.
            cols = [proba[:, theirs.index(c)] if c in theirs else np.zeros(len(hold_idx)) for c in out['classes']]
            aligned = np.column_stack(cols)
            out['flaml'] = {'proba': aligned.tolist(), 'pred': [out['classes'][i] for i in aligned.argmax(axis=1)]}
        else:
            out['flaml'] = {'pred': [float(v) for v in automl.predict(X_hold)]}
    out['flaml']['seconds'] = time.perf_counter() - started
    out['flaml']['bestEstimator'] = automl.best_estimator
    with open(a.out, 'w') as f:
        json.dump(out, f)


if __name__ == '__main__':
    main()
