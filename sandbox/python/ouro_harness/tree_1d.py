"""A depth-limited decision tree on one numeric column, in numpy: the leakage check's "does this
column alone predict the target?" without importing scikit-learn (whose import is most of a
small table's split). Same rule as sklearn's DecisionTreeClassifier (Gini) and
DecisionTreeRegressor (squared error) on one feature: at each node the split between two
distinct sorted values (at their midpoint) that lowers the impurity most, first one on ties."""

import numpy as np


def _best_split(x: np.ndarray, targets: np.ndarray, classify: bool):
    """(threshold, cut) of the best split of rows sorted by x (left = rows before cut); None when
    x is constant.
    `targets`: one-hot class matrix (classification) or a column of values (regression)."""
    n = len(x)
    cuts = np.flatnonzero(x[1:] > x[:-1]) + 1  # left side = rows [0, cut)
    if len(cuts) == 0:
        return None
    sums = np.cumsum(targets, axis=0)
    left, total = sums[cuts - 1], sums[-1]
    right = total - left
    nl, nr = cuts.astype(float), (n - cuts).astype(float)
    if classify:  # n * Gini of each side, summed: n_side - sum(count^2) / n_side
        impurity = (nl - (left ** 2).sum(axis=1) / nl) + (nr - (right ** 2).sum(axis=1) / nr)
    else:  # squared error of each side around its mean, summed (the sum of y^2 is the same for all)
        impurity = -(left[:, 0] ** 2 / nl + right[:, 0] ** 2 / nr)
    cut = cuts[int(np.argmin(impurity))]
    return (x[cut - 1] + x[cut]) / 2.0, cut


def _grow(x, targets, classify, depth, leaves, thresholds):
    """In order, left to right: each leaf's mean target, and the threshold between two leaves."""
    split = _best_split(x, targets, classify) if depth > 0 and len(x) > 1 else None
    if split is None:
        leaves.append(targets.mean(axis=0))
        return
    threshold, cut = split
    _grow(x[:cut], targets[:cut], classify, depth - 1, leaves, thresholds)
    thresholds.append(threshold)
    _grow(x[cut:], targets[cut:], classify, depth - 1, leaves, thresholds)


def fit_predict(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, classify: bool, depth: int = 4):
    """Predictions for x_test of a depth-`depth` tree grown on (x_train, y_train); no NaN allowed."""
    order = np.argsort(x_train, kind='stable')
    if classify:
        classes, codes = np.unique(y_train.astype(str), return_inverse=True)
        targets = np.eye(len(classes))[codes[order]]
    else:
        targets = y_train.astype(float)[order][:, None]
    leaves, thresholds = [], []
    _grow(x_train[order], targets, classify, depth, leaves, thresholds)
    index = np.searchsorted(np.array(thresholds), x_test, side='left')  # x <= threshold goes left
    values = np.array(leaves)[index]
    return classes[np.argmax(values, axis=1)] if classify else values[:, 0]
