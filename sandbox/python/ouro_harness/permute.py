"""Predictions for permutation importance, without the labels.

    python -m ouro_harness.permute --model DIR --holdout FEATURES.parquet --out permuted.json
    permuted_predictions(model, rows) -> {"columns", "repeats", "seed", "rows", "base", "permuted"}

The model predicts the holdout rows as they are, then again with one raw input column shuffled
(each column `repeats` times, a seeded permutation each). The host scores every set of
predictions against the holdout labels, which never enter the sandbox, with core/metrics.ts:
a column's importance is how much the run metric worsens when it is shuffled (Breiman 2001;
scikit-learn's permutation_importance computes the same on labelled data).
"""

import numpy as np
import pandas as pd

MAX_COLUMNS = 60


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
    write_json(args.out, plain(permuted_predictions(model, rows, args.repeats, args.seed)))
    return 0


if __name__ == '__main__':
    import sys

    sys.exit(main())
