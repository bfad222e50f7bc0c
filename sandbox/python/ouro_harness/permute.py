"""Predictions for permutation importance, without the labels.

    permuted_predictions(model, rows) -> {"columns", "repeats", "seed", "base", "permuted"}

The model predicts the holdout rows as they are, then again with one raw input column shuffled
(each column `repeats` times, a seeded permutation each). The host scores every set of
predictions against the holdout labels, which never enter the sandbox, with core/metrics.ts:
a column's importance is how much the run metric worsens when it is shuffled (Breiman 2001;
scikit-learn's permutation_importance computes the same on labelled data).
"""

import numpy as np
import pandas as pd

MAX_COLUMNS = 60


def _answers(model, rows: pd.DataFrame) -> dict:
    predictions = model.predict(rows)
    probabilities = model.predict_proba(rows) if model.has_proba else None
    return {'predictions': predictions.tolist(),
            'probabilities': None if probabilities is None else np.round(probabilities, 6).tolist()}


def permuted_predictions(model, rows: pd.DataFrame, repeats: int = 3, seed: int = 0) -> dict:
    columns = [f['name'] for f in model.cleaner.features if f['name'] in rows.columns][:MAX_COLUMNS]
    rng = np.random.default_rng(seed)
    permuted = {}
    for column in columns:
        runs = []
        for _ in range(repeats):
            shuffled = rows.copy()
            shuffled[column] = rows[column].to_numpy()[rng.permutation(len(rows))]
            runs.append(_answers(model, shuffled))
        permuted[column] = runs
    return {'columns': columns, 'repeats': repeats, 'seed': seed, 'rows': len(rows),
            'base': _answers(model, rows), 'permuted': permuted}
