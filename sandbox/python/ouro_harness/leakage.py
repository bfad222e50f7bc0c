"""Leakage suspects: feature columns that nearly determine the target on their own (a copy
of it, a relabelling, or something recorded after the outcome). Computed on the training
split only, each with a reason a person can check."""

import warnings

import numpy as np
import pandas as pd
from .convert import as_text, plain_number_block, to_float
from .tree_1d import fit_predict

# scikit-learn (and the Cleaner, an sklearn transformer) are imported only when a column needs
# the per-column checks: on a table the vectorized screen clears, the split imports no sklearn.

SUSPECT_SCORE = 0.98
MAX_ROWS = 10000
FOLDS = 3


def _q(name: str) -> str:
    return "'" + name.replace("'", '\u2019') + "'"


def _folds(n: int, seed: int):
    """(train, test) index pairs of FOLDS seeded shuffled folds (numpy: no sklearn import)."""
    order = np.random.default_rng(seed).permutation(n)
    for test in np.array_split(order, FOLDS):
        yield np.sort(np.setdiff1d(order, test)), np.sort(test)


def _tree_score(X: np.ndarray, y: np.ndarray, classify: bool, seed: int) -> float:
    predictions = np.empty(len(y), dtype=object if classify else float)
    if X.shape[1] == 1:  # one column: numpy's tree, no sklearn import
        x = X[:, 0]
        finite = x[np.isfinite(x)]
        # Missing values as one value below all others, so a split can set them apart (sklearn
        # may also send them right; for a screen at SUSPECT_SCORE the difference does not matter).
        x = np.where(np.isnan(x), (finite.min() - 1.0) if len(finite) else 0.0, x)
        for train, test in _folds(len(y), seed):
            predictions[test] = fit_predict(x[train], y[train], x[test], classify)
        return _score(predictions, y, classify)
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    for train, test in _folds(len(y), seed):
        model = (DecisionTreeClassifier if classify else DecisionTreeRegressor)(max_depth=4, random_state=seed)
        model.fit(X[train], y[train])
        predictions[test] = model.predict(X[test])
    return _score(predictions, y, classify)


def _lookup_score(keys: pd.Series, y: pd.Series, classify: bool, seed: int) -> float:
    """Predict each row from the other folds' rows with the same category (majority or mean)."""
    keys = keys.fillna('\x00missing').to_numpy(dtype=object)
    yv = y.to_numpy()
    predictions = np.empty(len(yv), dtype=object if classify else float)
    for train, test in _folds(len(yv), seed):
        frame = pd.DataFrame({'k': keys[train], 'y': yv[train]})
        if classify:
            table = frame.groupby('k')['y'].agg(lambda s: s.value_counts().index[0])
            fallback = frame['y'].value_counts().index[0]
        else:
            table = frame.groupby('k')['y'].mean()
            fallback = frame['y'].mean()
        predictions[test] = pd.Series(keys[test]).map(table).fillna(fallback).to_numpy()
    return _score(predictions, yv, classify)


def _score(predictions, y, classify: bool) -> float:
    if classify:
        return float(np.mean(predictions.astype(str) == y.astype(str)))
    y = y.astype(float)
    total = np.sum((y - y.mean()) ** 2)
    return float(1 - np.sum((y - predictions.astype(float)) ** 2) / total) if total > 0 else 0.0


def _classification_suspect(name, meant, raw, cleaned, y, seed):
    text = as_text(raw)
    present = text.notna()
    if present.mean() >= 0.95 and (text[present] == y[present]).all():
        return 1.0, f'Column {_q(name)} is an exact copy of the target.'
    pairs = pd.DataFrame({'k': text, 'y': y})[present]
    if (meant in ('categorical', 'boolean') and present.mean() >= 0.95
            and pairs['k'].nunique() == y.nunique() and pairs.groupby('k')['y'].nunique().max() == 1):
        return 1.0, (f'Each value of {_q(name)} stands for exactly one target class: '
                     'it is the target under other names.')
    baseline = float(y.value_counts(normalize=True).iloc[0])
    if meant == 'categorical':
        score = _lookup_score(text, y, True, seed)
    else:
        score = _tree_score(cleaned.to_numpy(dtype=float), y.to_numpy(dtype=object), True, seed)
    if score >= SUSPECT_SCORE and score >= baseline + 0.9 * (1 - baseline) and baseline < 1:
        return score, (f'Column {_q(name)} alone predicts the target with {score:.1%} accuracy '
                       f'(guessing the most common class scores {baseline:.1%}); it may be recorded '
                       'after the outcome or derived from it.')
    return score, None


def _regression_suspect(name, meant, raw, cleaned, y, seed):
    if meant == 'categorical':
        score = _lookup_score(as_text(raw), y, False, seed)
        if score >= SUSPECT_SCORE:
            return score, (f'The categories of {_q(name)} alone explain {score:.1%} of the variance of '
                           'the target; it may be derived from the target.')
        return score, None
    X = cleaned.to_numpy(dtype=float)
    r = 0.0
    if X.shape[1] == 1:
        x = X[:, 0]
        both = ~np.isnan(x) & ~np.isnan(y.to_numpy(dtype=float))
        yv = y.to_numpy(dtype=float)
        if both.mean() >= 0.95 and np.array_equal(x[both], yv[both]):
            return 1.0, f'Column {_q(name)} is an exact copy of the target.'
        if both.mean() >= 0.5 and np.std(x[both]) > 0 and np.std(yv[both]) > 0:
            r = float(np.corrcoef(x[both], yv[both])[0, 1])
    r2 = _tree_score(X, y.to_numpy(dtype=float), False, seed)
    score = max(abs(r), r2)
    if abs(r) >= SUSPECT_SCORE:
        return score, (f'Column {_q(name)} moves in lockstep with the target (correlation {r:.3f}); '
                       'it may be the target in other units or computed from it.')
    if r2 >= SUSPECT_SCORE:
        return score, (f'Column {_q(name)} alone explains {r2:.1%} of the variance of the target; '
                       'it may be recorded after the outcome or derived from it.')
    return score, None


# A depth-4 tree has at most 16 leaves, so 15 places where its prediction changes along a column.
TREE_CUTS = 15


def _cannot_be_suspect(X: np.ndarray, y: pd.Series, classify: bool) -> np.ndarray:
    """Per numeric column, True when no depth-4 tree on it alone can come near SUSPECT_SCORE: a
    vectorized screen (one sort of the whole matrix) so wide tables do not pay three tree fits
    per column. Sorted by the column, a near-perfect tree means the target changes rarely
    (classes: at most TREE_CUTS changes plus two per misclassified row) or moves smoothly
    (regression: successive differences, less the TREE_CUTS largest jumps, are small). The
    margins are loose: the screen only skips columns that are clearly not suspects."""
    n, p = X.shape
    if n < 20 or p == 0:
        return np.zeros(p, dtype=bool)
    order = np.argsort(np.where(np.isnan(X), np.inf, X), axis=0, kind='stable')
    if classify:
        codes = pd.factorize(y.astype(str))[0]
        ranked = codes[order]
        changes = (ranked[1:] != ranked[:-1]).sum(axis=0)
        allowed = TREE_CUTS + 2 * int(np.ceil(0.1 * n))
        return changes > allowed
    yv = y.to_numpy(dtype=float)
    total = np.sum((yv - yv.mean()) ** 2)
    if total <= 0:
        return np.ones(p, dtype=bool)
    diffs = np.sort(np.diff(yv[order], axis=0) ** 2, axis=0)
    smooth = diffs[: max(0, n - 1 - TREE_CUTS)].sum(axis=0)
    # Within leaves holding 98% of the variance explained, successive differences sum to about
    # 2 × 2% of the total; ten times that is a safe margin.
    return smooth > 0.4 * total


def _numeric_copies(matrix: np.ndarray, y: pd.Series) -> np.ndarray:
    """Per numeric column, True when it equals a number-like target (0/1 classes, or the value
    itself) wherever both are present, in at least 95% of the rows: all columns at once."""
    target = pd.to_numeric(y, errors='coerce').to_numpy(dtype=float)[:, None]
    both = ~np.isnan(matrix) & ~np.isnan(target)
    return (both.mean(axis=0) >= 0.95) & np.all((matrix == target) | ~both, axis=0)


def _as_number(train: pd.DataFrame, feature: dict) -> np.ndarray:
    """A numeric or boolean column as the Cleaner converts it (the column's conversion; yes/no to
    1/0), without importing the Cleaner: an sklearn transformer, and sklearn's import is most
    of a small table's split."""
    conversion = 'boolean' if feature['meant'] == 'boolean' else feature.get('conversion')
    return to_float(train[feature['name']], conversion, feature.get('decimal') or '.').to_numpy(dtype=float)


def find_leakage_suspects(train: pd.DataFrame, y: pd.Series, features: list, task: str, seed: int) -> list:
    """[{column, score, why}] for features of `train` (raw cells) that nearly determine `y`."""
    if len(train) < 2 * FOLDS:
        return []
    if len(train) > MAX_ROWS:
        keep = train.sample(n=MAX_ROWS, random_state=seed).index
        train, y = train.loc[keep], y.loc[keep]
    train, y = train.reset_index(drop=True), y.reset_index(drop=True)
    classify = task != 'regression'
    suspects = []
    # Single numbers (numeric and boolean columns) are screened all at once; only the columns the
    # screen cannot clear, and the rest (categories, dates), get the per-column checks below.
    numbers = [f for f in features if f['meant'] in ('numeric', 'boolean')]
    cleared = set()
    if numbers:
        plain = plain_number_block(train, [f['name'] for f in numbers], min_columns=1)
        matrix = np.column_stack([plain[f['name']] if f['name'] in plain else _as_number(train, f) for f in numbers])
        skip = _cannot_be_suspect(matrix, y, classify) & ~_numeric_copies(matrix, y)
        cleared = {f['name'] for i, f in enumerate(numbers) if skip[i]}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for feature in features:
            name = feature['name']
            if name in cleared:
                continue
            if feature['meant'] == 'categorical':
                cleaned = None  # categories are checked on their raw text (a lookup), never cleaned
            elif feature['meant'] in ('numeric', 'boolean'):
                cleaned = pd.DataFrame({name: _as_number(train, feature)})
            else:
                from .clean import Cleaner
                cleaned = Cleaner([feature]).transform(train)
            check = _classification_suspect if classify else _regression_suspect
            score, why = check(name, feature['meant'], train[name], cleaned, y, seed)
            if why:
                suspects.append({'column': name, 'score': round(float(score), 4), 'why': why})
    return suspects
