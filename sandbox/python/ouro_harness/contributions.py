"""Per-prediction contributions (`?explain=true` on the predict route, docs/api.md): how much
each input column moved one row's prediction, so that

    expected_value + sum(contributions) == the model's output on that row

on the scale the model adds up (`scale`): log-odds of the class explained (binary), that
class's raw score before the softmax (multiclass), the predicted value (regression).

- LightGBM and XGBoost: tree SHAP from the library itself (`pred_contrib` / `pred_contribs`),
  exact for the tree ensemble.
- Linear models (LogisticRegression, Ridge, ...): coefficient x transformed value, against the
  all-zero transformed row (with the harness's StandardScaler, the training mean of a numeric
  column; a one-hot column contributes its coefficient when its category is present).
- Anything else (forests, blends, the prior) is refused with the reason: exact tree SHAP for
  scikit-learn forests needs the `shap` library, which the sandbox does not carry.

Contributions of transformed features (one-hot columns, missing-value indicators, a date's
parts) are summed back onto the input column they came from.
"""

import numpy as np

from .clean import output_names
from .label_encoded import LabelEncoded


class NotExplainable(Exception):
    pass


def _split(estimator):
    """(preprocessing steps or None, final estimator)."""
    if hasattr(estimator, 'steps'):
        pre = estimator[:-1] if len(estimator.steps) > 1 else None
        return pre, estimator.steps[-1][1]
    return None, estimator


def _feature_sources(pre, columns: list) -> list:
    """For every feature the preprocessing outputs, the cleaned column it came from."""
    if pre is None:
        return list(columns)
    transformer = pre.steps[-1][1] if hasattr(pre, 'steps') and len(pre.steps) == 1 else pre
    sources = []
    parts = getattr(transformer, 'transformers_', None)
    if parts is None:
        names = list(pre.get_feature_names_out(columns))
        return [_match(n, columns) for n in names]
    for name, step, cols in parts:
        if step == 'drop' or (isinstance(cols, (list, tuple, np.ndarray)) and len(cols) == 0):
            continue
        cols = [columns[c] if isinstance(c, (int, np.integer)) else c for c in cols]
        if step == 'passthrough':
            sources.extend(cols)
            continue
        for out in step.get_feature_names_out(cols):
            sources.append(_match(str(out), cols))
    return sources


def _match(out: str, cols: list) -> str:
    """The input column an output feature name comes from: itself, `col_value` (one-hot),
    `missingindicator_col`, `prefix__col...`; the longest such column wins."""
    hits = [c for c in cols if out == c or out.startswith(f'{c}_') or out.endswith(f'_{c}') or f'__{c}' in out]
    if not hits:
        if len(cols) == 1:
            return cols[0]
        raise NotExplainable(f'cannot tell which column the feature {out!r} comes from')
    return max(hits, key=len)


def _dense(X) -> np.ndarray:
    return np.asarray(X.toarray() if hasattr(X, 'toarray') else X, dtype=float)


def _raw(model, final, Xt, k_explained):
    """(contributions per feature, expected value, scale) for each row, from the final estimator."""
    name = type(final).__name__
    if isinstance(final, LabelEncoded):
        final = final.estimator_
        name = type(final).__name__
    if name.startswith('LGBM'):
        contrib = np.asarray(final.predict(Xt, pred_contrib=True), dtype=float)
        return _per_class(contrib, Xt.shape[1], k_explained)
    if name.startswith('XGB'):
        import xgboost as xgb
        contrib = np.asarray(final.get_booster().predict(xgb.DMatrix(Xt), pred_contribs=True), dtype=float)
        if contrib.ndim == 3:  # (rows, classes, features + 1)
            contrib = np.stack([contrib[i, k] for i, k in enumerate(k_explained)])
        return contrib[:, :-1], contrib[:, -1]
    coef = getattr(final, 'coef_', None)
    if coef is not None and hasattr(final, 'intercept_') and not hasattr(final, 'estimators_'):
        coef = np.atleast_2d(np.asarray(coef, dtype=float))
        intercept = np.atleast_1d(np.asarray(final.intercept_, dtype=float))
        rows = np.arange(Xt.shape[0])
        k = np.zeros(len(rows), dtype=int) if coef.shape[0] == 1 else np.asarray(k_explained)
        return Xt * coef[k], intercept[k] if intercept.size > 1 else np.repeat(intercept[0], len(rows))
    raise NotExplainable(f'contributions are not available for {name}: tree SHAP is computed for LightGBM and XGBoost, '
                         'exact contributions for linear models')


def _per_class(contrib, n_features, k_explained):
    width = n_features + 1
    if contrib.shape[1] == width:
        return contrib[:, :-1], contrib[:, -1]
    picked = np.stack([contrib[i, k * width:(k + 1) * width] for i, k in enumerate(k_explained)])
    return picked[:, :-1], picked[:, -1]


def explain_rows(model, rows: list) -> list:
    """One {"expected_value", "contributions": {input column: value}, "output", "scale",
    "class"} per row. Raises NotExplainable for a family without exact contributions."""
    if model.task == 'forecast':
        raise NotExplainable('forecasts are not explained per prediction')
    pre, final = _split(model.estimator)
    X = model.cleaner.transform_records(rows)[model.signature['columns']]
    Xt = _dense(pre.transform(X) if pre is not None else X)
    cleaned = list(X.columns)
    sources = _feature_sources(pre, cleaned)
    if len(sources) != Xt.shape[1]:
        raise NotExplainable('the preprocessing output does not line up with its feature names')
    # The cleaned column -> the input column (a date's parts are one input).
    to_input = {out: f['name'] for f in model.cleaner.features for out in output_names(f)}
    classes = model.classes if model.task != 'regression' else None
    order = [str(c) for c in getattr(final, 'classes_', [])] or (classes or [])
    if model.task == 'binary':
        # The log-odds of the second class (the estimator's positive class).
        k = [1] * len(rows)
        explained = [order[1] if len(order) > 1 else None] * len(rows)
    elif model.task == 'multiclass':
        proba = np.asarray(model.estimator.predict_proba(X), dtype=float)
        k = list(proba.argmax(axis=1))
        explained = [order[i] for i in k]
    else:
        k, explained = [0] * len(rows), [None] * len(rows)
    contrib, expected = _raw(model, final, Xt, k)
    scale = {'binary': 'log_odds', 'multiclass': 'raw_score'}.get(model.task, 'value')
    out = []
    for i in range(len(rows)):
        per_input = {f['name']: 0.0 for f in model.cleaner.features}
        for j, src in enumerate(sources):
            per_input[to_input.get(src, src)] = per_input.get(to_input.get(src, src), 0.0) + float(contrib[i, j])
        total = float(expected[i]) + float(np.sum(contrib[i]))
        out.append({'expected_value': float(expected[i]), 'contributions': per_input, 'output': total,
                    'scale': scale, 'class': explained[i]})
    return out
