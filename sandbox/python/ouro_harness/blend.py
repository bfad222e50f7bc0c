"""Weighted blends of fitted-model families, chosen by greedy forward selection (Caruana et al.,
"Ensemble selection from libraries of models", 2004), scored honestly.

    weights, scores = blend_select([model_a, model_b, model_c], X, y)

Each model is cross-validated once on the run's folds, keeping its out-of-fold predictions
(class probabilities, or values for regression). Selection starts from the two best models
averaged, then adds, one round at a time, the model whose addition most improves the run
metric of the averaged predictions, until none improves it; a model may be added again, which
is how weights arise. Picking weights on the same predictions that score them
flatters the blend, so the score reported is nested: for each fold, weights are selected on the
other folds' predictions only and the blend is scored on that fold. The weights returned are
selected on all of them.
"""

import time

import numpy as np
from sklearn.base import clone

from .api import _class_scores, _take, cv_plan, cv_summary
from .metrics import HIGHER_IS_BETTER, PROBABILITY_METRICS, TASK_METRICS, score

ROUNDS = 20
# Selection starts from the best two models averaged (Caruana's "sorted initialisation"): on
# small tables, starting from one model let a single noisy fold decide the weights (penguins:
# nested log loss 0.051 from one model, 0.038 from two; pima roc_auc 0.8455 and 0.8452).
INIT_TOP = 2


def _out_of_fold(model, X, y, task, classes, splits) -> np.ndarray:
    n = len(y)
    oof = np.zeros((n, len(classes))) if task != 'regression' else np.zeros(n)
    for train, test in splits:
        estimator = clone(model)
        estimator.fit(_take(X, train), _take(y, train))
        X_test = _take(X, test)
        if task == 'regression':
            oof[test] = np.asarray(estimator.predict(X_test), dtype=float)
            continue
        probabilities = _class_scores(estimator, X_test, classes, True)
        if probabilities is None or probabilities.ndim != 2:
            raise TypeError(f'blend_select needs class probabilities; {type(estimator).__name__} has no predict_proba')
        oof[test] = probabilities
    return oof


def _score(metric, y_true, blended, task, classes) -> float:
    if task == 'regression':
        return score(metric, y_true, blended)
    predictions = np.asarray(classes, dtype=object)[np.argmax(blended, axis=1)]
    return score(metric, y_true, predictions, blended if metric in PROBABILITY_METRICS else None, classes)


def _select(oofs, y_values, rows, metric, task, classes, rounds) -> np.ndarray:
    """Counts per model, judged on `rows`: the best INIT_TOP models once each, then greedy
    additions while one strictly improves the blend, at most `rounds` of them. A start worse
    than the best model alone is fine: the nested score then loses to that model's own, and
    the run keeps the single model."""
    sign = 1.0 if metric in HIGHER_IS_BETTER else -1.0

    def value(blended) -> float:
        try:
            return sign * _score(metric, y_values[rows], blended, task, classes)
        except ValueError:
            return -np.inf

    alone = [value(oof[rows]) for oof in oofs]
    counts = np.zeros(len(oofs))
    counts[np.argsort(alone)[::-1][:INIT_TOP]] = 1
    total = sum(c * oof[rows] for c, oof in zip(counts, oofs))
    current = value(total / counts.sum())
    for _ in range(rounds):
        candidates = [value((total + oof[rows]) / (counts.sum() + 1)) for oof in oofs]
        best = int(np.argmax(candidates))
        # A tie would only dilute the blend with a model that adds nothing.
        if candidates[best] <= current:
            break
        current = candidates[best]
        counts[best] += 1
        total = total + oofs[best][rows]
    return counts


def _blend(oofs, weights) -> np.ndarray:
    return sum(w * oof for w, oof in zip(weights, oofs)) / weights.sum()


def blend_select(models, X, y, folds: int = 5, rounds: int = ROUNDS):
    """(weights, scores): one weight per model (summing to 1; 0 for a model never picked) and
    scores shaped like cross_validate's, from the nested evaluation described above."""
    if len(models) < 2:
        raise ValueError('blend_select needs at least two models')
    started = time.time()
    task, metric, y_values, classes, splits = cv_plan(y, folds)
    oofs = [_out_of_fold(m, X, y, task, classes, splits) for m in models]
    per_metric = {m: [] for m in TASK_METRICS[task]}
    for train, test in splits:
        counts = _select(oofs, y_values, train, metric, task, classes, rounds)
        blended = _blend([oof[test] for oof in oofs], counts)
        for m in per_metric:
            try:
                per_metric[m].append(_score(m, y_values[test], blended, task, classes))
            except ValueError:
                pass  # e.g. roc_auc on a fold that holds one class
    counts = _select(oofs, y_values, np.arange(len(y_values)), metric, task, classes, rounds)
    weights = counts / counts.sum()
    scores = {
        **cv_summary(metric, per_metric, started),
        'weights': [float(w) for w in weights],
        # The final selection's objective on the rows it was chosen on (flattering, unlike
        # `mean`), and each model alone on the same rows.
        'selection_score': float(_score(metric, y_values, _blend(oofs, counts), task, classes)),
        'member_scores': [float(_score(metric, y_values, oof, task, classes)) for oof in oofs],
    }
    return [float(w) for w in weights], scores
