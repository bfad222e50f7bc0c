"""The experiment API that every generated train.py imports:

    from ouro_harness import load_train, task_info, cross_validate, save_model, write_metrics
    X, y = load_train()
    scores = cross_validate(model, X, y)
    model.fit(X, y)
    save_model(model, X)
    write_metrics(scores)
"""

import os
import sys
import time
from datetime import datetime, timezone

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from . import __version__ as HARNESS_VERSION
from .clean import Cleaner, output_names
from .jsonfile import read_json, write_json
from .metrics import PROBABILITY_METRICS, TASK_METRICS, score
from .model import OuroModel, align_probabilities, estimator_classes
from .tables import read_parquet

DTYPES = {'numeric': 'number', 'boolean': 'boolean', 'datetime': 'datetime', 'categorical': 'string', 'text': 'string'}
MAX_SIGNATURE_CATEGORIES = 200

# What load_train read, so save_model can rebuild the cleaner for the columns of X.
_loaded = {}


def data_dir() -> str:
    """$OURO_DATA_DIR, else ../../workspace from the experiment folder (cwd, then the script's)."""
    env = os.environ.get('OURO_DATA_DIR')
    if env:
        return env
    candidates = [os.path.join(os.getcwd(), '..', '..', 'workspace')]
    if sys.argv and sys.argv[0]:
        candidates.append(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), '..', '..', 'workspace'))
    for candidate in candidates:
        if os.path.exists(os.path.join(candidate, 'schema.json')):
            return os.path.normpath(candidate)
    return os.path.normpath(candidates[0])


def _schema() -> dict:
    if 'schema' not in _loaded:
        _loaded['schema'] = read_json(os.path.join(data_dir(), 'schema.json'))
    return _loaded['schema']


def task_info() -> dict:
    """{task, metric, target, classes, seed}."""
    schema = _schema()
    return {k: schema[k] for k in ('task', 'metric', 'target', 'classes', 'seed')}


def load_train(drop=(), max_rows=None, text=()):
    """(X, y): X has float and object (str, NaN for missing) columns; y is str labels for
    classification and floats for regression. `drop` names feature columns to leave out;
    `max_rows` takes a seeded random sample. Free-text columns are left out unless named in
    `text` (a model that reads them needs a text step such as TextVectorizer in its pipeline)."""
    schema = _schema()
    if isinstance(drop, str):
        drop = (drop,)
    if isinstance(text, str):
        text = (text,)
    free_text = {f['name'] for f in schema['features'] if f['meant'] == 'text'}
    not_text = [t for t in text if t not in free_text]
    if not_text:
        raise KeyError(f'load_train(text=...): {not_text[0]!r} is not a free-text feature; '
                       f'the free-text features are {sorted(free_text)}')
    drop = tuple(drop) + tuple(sorted(free_text - set(text)))
    known = {f['name'] for f in schema['features']} | {d['name'] for d in schema.get('dropped', [])}
    unknown = [d for d in drop if d not in known]
    if unknown:
        raise KeyError(f'load_train(drop=...): no column {unknown[0]!r}; '
                       f'features are {[f["name"] for f in schema["features"]]}')
    df = read_parquet(os.path.join(data_dir(), 'train.parquet'))
    if max_rows is not None and len(df) > max_rows:
        df = df.sample(n=int(max_rows), random_state=schema['seed']).sort_index()
    df = df.reset_index(drop=True)
    features = [f for f in schema['features'] if f['name'] not in set(drop)]
    X = Cleaner(features).transform(df)
    target = schema['target']
    if schema['task'] == 'regression':
        y = df[target].astype(float)
    else:
        y = df[target].astype(str)
    _loaded['raw_head'] = df.head(5)
    return X, y.rename(target)


def _folds(task: str, y: np.ndarray, folds: int, seed: int):
    if task == 'regression':
        return KFold(n_splits=min(folds, len(y)), shuffle=True, random_state=seed)
    counts = pd.Series(y).value_counts()
    # Every binary fold must hold both classes; multiclass folds may miss a rare class.
    limit = counts.min() if task == 'binary' else counts.max()
    return StratifiedKFold(n_splits=max(2, min(folds, int(limit))), shuffle=True, random_state=seed)


def _take(data, index):
    return data.iloc[index] if hasattr(data, 'iloc') else np.asarray(data)[index]


def _class_scores(estimator, X, classes, need: bool):
    """Aligned class probabilities, else binary decision scores, else None."""
    if hasattr(estimator, 'predict_proba'):
        return align_probabilities(estimator.predict_proba(X), estimator_classes(estimator), classes)
    if need and len(classes) == 2 and hasattr(estimator, 'decision_function'):
        return np.asarray(estimator.decision_function(X), dtype=float)
    return None


def cv_plan(y, folds: int):
    """(task, metric, y_values, classes, [(train, test), ...]): the run's seeded folds, shared by
    cross_validate and blend_select so every model of a run is scored on the same rows."""
    info = task_info()
    task, metric, seed = info['task'], info['metric'], info['seed']
    y_values = np.asarray(y)
    classes = None
    if task != 'regression':
        y_values = y_values.astype(str)
        seen = sorted(set(y_values))
        classes = info['classes'] if set(seen) <= set(info['classes'] or []) else seen
    splitter = _folds(task, y_values, folds, seed)
    return task, metric, y_values, classes, list(splitter.split(np.zeros(len(y_values)), y_values))


def cross_validate(model, X, y, folds: int = 5) -> dict:
    """Stratified (classification) or plain K-fold with the run's seed, scored with the run's
    metric. Returns {metric, mean, std, folds, fold_scores, all, seconds}; `all` holds the
    mean of every metric of the task this model can be scored on."""
    task, metric, y_values, classes, splits = cv_plan(y, folds)
    started = time.time()
    per_metric = {m: [] for m in TASK_METRICS[task]}
    for train, test in splits:
        estimator = clone(model)
        estimator.fit(_take(X, train), _take(y, train))
        X_test, y_test = _take(X, test), y_values[test]
        predictions = np.asarray(estimator.predict(X_test))
        probabilities = None
        if task != 'regression':
            probabilities = _class_scores(estimator, X_test, classes, metric in PROBABILITY_METRICS)
            if probabilities is None and metric in PROBABILITY_METRICS:
                raise TypeError(f'metric {metric} needs class probabilities, but '
                                f'{type(estimator).__name__} has no predict_proba')
        for m in per_metric:
            if m in PROBABILITY_METRICS and (probabilities is None or (m == 'log_loss' and probabilities.ndim == 1)):
                continue
            per_metric[m].append(score(m, y_test, predictions, probabilities, classes))
    return cv_summary(metric, per_metric, started)


def cv_summary(metric: str, per_metric: dict, started: float) -> dict:
    """The scores dict every CV in the harness returns, from per-fold scores of each metric."""
    fold_scores = per_metric[metric]
    return {
        'metric': metric,
        'mean': float(np.mean(fold_scores)),
        'std': float(np.std(fold_scores)),
        'folds': len(fold_scores),
        'fold_scores': [float(s) for s in fold_scores],
        'all': {m: float(np.mean(v)) for m, v in per_metric.items() if v},
        'seconds': round(time.time() - started, 3),
    }


def _signature(schema: dict, features: list, columns: list) -> dict:
    inputs = []
    for f in features:
        categories = f.get('categories')
        inputs.append({
            'name': f['name'], 'dtype': DTYPES[f['meant']], 'meant': f['meant'],
            'conversion': f.get('conversion'), 'required': True,
            'categories': categories[:MAX_SIGNATURE_CATEGORIES] if categories else None,
        })
    return {
        'task': schema['task'], 'target': schema['target'], 'metric': schema['metric'],
        'classes': schema['classes'], 'inputs': inputs, 'columns': list(columns),
        'created': datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'), 'harness': HARNESS_VERSION,
    }


def _check_predicts(saved: OuroModel, rows: pd.DataFrame) -> None:
    """Fail in the experiment, where the traceback is useful, rather than at validation."""
    predictions = saved.predict(rows)
    if saved.task != 'regression':
        unknown = sorted(set(predictions.tolist()) - set(saved.classes))
        if unknown:
            raise ValueError(f'save_model: the model predicts labels {unknown[:5]} that are not classes of the '
                             f'target {saved.classes[:10]}; fit it on y from load_train (str labels)')
        if saved.has_proba:
            saved.predict_proba(rows)


def save_model(model, X, path: str = 'model') -> OuroModel:
    """Saves `path`/model.joblib (an OuroModel: cleaner + the fitted `model`) and
    `path`/signature.json. X is the frame the model was fitted on; its columns must come
    from load_train (feature engineering belongs inside the model, e.g. in a Pipeline)."""
    check_is_fitted(model)
    if not isinstance(X, pd.DataFrame):
        raise TypeError('save_model(model, X): X must be the DataFrame from load_train (or a column subset of it)')
    schema = _schema()
    columns = [str(c) for c in X.columns]
    produced = {out: f for f in schema['features'] for out in output_names(f)}
    unknown = [c for c in columns if c not in produced]
    if unknown:
        raise ValueError(f'save_model: X has columns the harness cannot rebuild from raw inputs at prediction '
                         f'time: {unknown[:10]}. Put feature engineering inside the model (for example a '
                         'FunctionTransformer step in a Pipeline) and pass load_train\'s columns.')
    wanted = {produced[c]['name'] for c in columns}
    features = [f for f in schema['features'] if f['name'] in wanted]
    saved = OuroModel(Cleaner(features), model, _signature(schema, features, columns))
    if 'raw_head' in _loaded and len(_loaded['raw_head']):
        _check_predicts(saved, _loaded['raw_head'])
    os.makedirs(path, exist_ok=True)
    joblib.dump(saved, os.path.join(path, 'model.joblib'))
    write_json(os.path.join(path, 'signature.json'), saved.signature)
    return saved


def write_metrics(scores, **extra) -> dict:
    """Writes metrics.json in the current folder: cross_validate's result (or a bare number
    for the run metric) plus `extra`."""
    if isinstance(scores, (int, float, np.floating)):
        scores = {'metric': task_info()['metric'], 'mean': float(scores)}
    payload = {**dict(scores), **extra}
    write_json('metrics.json', payload)
    return payload
