"""Scores for cross-validation. Classification labels are strings; `classes` is the sorted
class list of the run and the binary positive class is classes[1]."""

import numpy as np

# sklearn.metrics is imported where a score is computed: the split step reads TASK_METRICS only,
# and importing scikit-learn is most of its time on a small table.

from .vocabulary import HIGHER_IS_BETTER, metrics_of_kind

PROBABILITY_METRICS = frozenset({'roc_auc', 'log_loss'})
# Shared with the host (vocabulary.json, generated from core/schemas/vocabulary.ts).
TASK_METRICS = metrics_of_kind('tabular')


def _roc_auc(y_true: np.ndarray, scores: np.ndarray, classes: list) -> float:
    from sklearn import metrics as skm
    if scores.ndim == 1 or len(classes) == 2:
        positive = scores if scores.ndim == 1 else scores[:, 1]
        return float(skm.roc_auc_score(y_true == classes[1], positive))
    # One-vs-rest macro average over the classes this fold can measure (present and not alone).
    aucs = []
    for j, c in enumerate(classes):
        truth = y_true == c
        if 0 < truth.sum() < len(truth):
            aucs.append(skm.roc_auc_score(truth, scores[:, j]))
    if not aucs:
        raise ValueError('roc_auc needs at least two classes in the validation fold')
    return float(np.mean(aucs))


def score(metric: str, y_true, predictions=None, probabilities=None, classes=None) -> float:
    """`probabilities`: (n, len(classes)) columns in `classes` order, or 1-D decision scores (binary)."""
    from sklearn import metrics as skm
    y_true = np.asarray(y_true)
    if metric == 'roc_auc':
        return _roc_auc(y_true.astype(str), np.asarray(probabilities, dtype=float), list(classes))
    if metric == 'log_loss':
        p = np.clip(np.asarray(probabilities, dtype=float), 1e-15, 1.0)
        p = p / p.sum(axis=1, keepdims=True)
        return float(skm.log_loss(y_true.astype(str), p, labels=list(classes)))
    if metric == 'f1_macro':
        return float(skm.f1_score(y_true.astype(str), np.asarray(predictions).astype(str), average='macro'))
    if metric == 'accuracy':
        return float(skm.accuracy_score(y_true.astype(str), np.asarray(predictions).astype(str)))
    y_true = y_true.astype(float)
    predictions = np.asarray(predictions, dtype=float)
    if metric == 'rmse':
        return float(np.sqrt(skm.mean_squared_error(y_true, predictions)))
    if metric == 'mae':
        return float(skm.mean_absolute_error(y_true, predictions))
    if metric == 'r2':
        return float(skm.r2_score(y_true, predictions))
    raise ValueError(f'unknown metric {metric!r}')
