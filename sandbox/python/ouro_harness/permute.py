"""Predictions for permutation importance, without the labels.

    python -m ouro_harness.permute --model DIR --holdout FEATURES.parquet --out permuted.json
    permuted_predictions(model, rows) -> {"columns", "repeats", "seed", "rows", "base", "permuted"}
    partial_dependence(model, rows)   -> {"rows", "columns": {name: {"kind", "grid", "mean"}}}
                                         (the CLI writes it under "partial_dependence")

The model predicts the holdout rows as they are, then again with one raw input column shuffled
(each column `repeats` times, a seeded permutation each). The host scores every set of
predictions against the holdout labels, which never enter the sandbox, with core/metrics.ts:
a column's importance is how much the run metric worsens when it is shuffled (Breiman 2001;
scikit-learn's permutation_importance computes the same on labelled data).
"""

import numpy as np
import pandas as pd

MAX_COLUMNS = 60
PD_ROWS = 200
PD_GRID = 12


CHUNK_ROWS = 50_000


def _answers(model, rows: pd.DataFrame) -> dict:
    predictions = model.predict(rows)
    probabilities = model.predict_proba(rows) if model.has_proba else None
    return {'predictions': predictions.tolist(),
            'probabilities': None if probabilities is None else np.round(probabilities, 6).tolist()}


def _split(answers: dict, n: int, parts: int) -> list:
    return [{k: (None if v is None else v[i * n:(i + 1) * n]) for k, v in answers.items()} for i in range(parts)]


def permuted_predictions(model, rows: pd.DataFrame, repeats: int = 3, seed: int = 0) -> dict:
    rows = rows.reset_index(drop=True)
    columns = [f['name'] for f in model.cleaner.features if f['name'] in rows.columns][:MAX_COLUMNS]
    rng = np.random.default_rng(seed)
    copies = [rows]
    for column in columns:
        for _ in range(repeats):
            shuffled = rows.copy()
            shuffled[column] = rows[column].to_numpy()[rng.permutation(len(rows))]
            copies.append(shuffled)
    # One predict call per chunk of copies, not one per copy: a call on a few hundred rows
    # costs mostly its fixed overhead (a blend of five pipelines: ~0.3 s).
    per_chunk = max(1, CHUNK_ROWS // max(1, len(rows)))
    answers = []
    for start in range(0, len(copies), per_chunk):
        batch = copies[start:start + per_chunk]
        answers.extend(_split(_answers(model, pd.concat(batch, ignore_index=True)), len(rows), len(batch)))
    permuted = {c: answers[1 + i * repeats:1 + (i + 1) * repeats] for i, c in enumerate(columns)}
    return {'columns': columns, 'repeats': repeats, 'seed': seed, 'rows': len(rows),
            'base': answers[0], 'permuted': permuted}


def _grid(values: pd.Series, feature: dict) -> list:
    """Raw cells to set a column to: quantiles of a numeric column (as the text a file would
    hold), its most common values otherwise. Missing values are not part of the grid."""
    present = values.dropna()
    if present.empty:
        return []
    if feature['meant'] == 'numeric':
        from .convert import to_float
        numbers = to_float(present.astype(object), feature.get('conversion'), feature.get('decimal') or '.').dropna()
        if numbers.nunique() > PD_GRID:
            qs = np.unique(np.quantile(numbers, np.linspace(0.05, 0.95, PD_GRID)))
            return [float(q) for q in qs]
        return sorted(float(v) for v in numbers.unique())
    counts = present.astype(str).str.strip().value_counts()
    return [str(v) for v in counts.index[:PD_GRID]]


def partial_dependence(model, rows: pd.DataFrame, seed: int = 0) -> dict:
    """For each input column (dates excepted): the mean prediction (regression) or mean class
    probabilities over up to PD_ROWS holdout rows with the column set to each grid value in
    turn (Friedman 2001). Features only: no label is needed or read."""
    rows = rows.reset_index(drop=True)
    if len(rows) > PD_ROWS:
        rows = rows.iloc[np.random.default_rng(seed).choice(len(rows), PD_ROWS, replace=False)].reset_index(drop=True)
    out = {}
    for feature in model.cleaner.features[:MAX_COLUMNS]:
        name = feature['name']
        if name not in rows.columns or feature['meant'] == 'datetime':
            continue
        grid = _grid(rows[name], feature)
        if len(grid) < 2:
            continue
        copies = []
        for value in grid:
            copy = rows.copy()
            copy[name] = pd.Series([value] * len(rows), dtype=object)
            copies.append(copy)
        answers = _answers(model, pd.concat(copies, ignore_index=True))
        n = len(rows)
        if answers['probabilities'] is not None:
            p = np.asarray(answers['probabilities'], dtype=float).reshape(len(grid), n, -1).mean(axis=1)
            mean = np.round(p, 6).tolist()
        else:
            mean = np.round(np.asarray(answers['predictions'], dtype=float).reshape(len(grid), n).mean(axis=1), 6).tolist()
        out[name] = {'kind': 'numeric' if feature['meant'] in ('numeric', 'boolean') else 'categorical', 'grid': grid, 'mean': mean}
    return {'rows': len(rows), 'columns': out}


def main(argv=None) -> int:
    import argparse

    from .jsonfile import plain, write_json
    from .predict import load_model, read_rows

    p = argparse.ArgumentParser(prog='python -m ouro_harness.permute', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', required=True, help='folder holding model.joblib')
    p.add_argument('--holdout', required=True, help='raw feature rows (.parquet, .csv, .json)')
    p.add_argument('--out', required=True, help='JSON file to write')
    p.add_argument('--rows', type=int, default=1000, help='at most this many holdout rows (the first ones)')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    model = load_model(args.model)
    rows = read_rows(args.holdout).head(args.rows)
    doc = permuted_predictions(model, rows, args.repeats, args.seed)
    if model.task != 'forecast':
        doc['partial_dependence'] = partial_dependence(model, rows, args.seed)
    write_json(args.out, plain(doc))
    return 0


if __name__ == '__main__':
    import sys

    sys.exit(main())
