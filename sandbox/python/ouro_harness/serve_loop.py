"""The prediction server's Python worker: loads saved models once, then answers requests.

    python -m ouro_harness.serve_loop --model DIR     one model, loaded at start
    python -m ouro_harness.serve_loop --root DIR      several: DIR/<key>/model.joblib, each loaded
                                                      on its first request (docs/architecture.md, Serving)

Line protocol (UTF-8 JSON, one document per line):
  stdout, first line   {"ready": true, "rss_mb"} and, with --model, "task", "classes",
                       "has_proba", "features" (the cleaner's specs, with decimal/format/time)
  stdin                {"id": n, "rows": [{column: value, ...}, ...], "explain"?: true}
                       (explain: per-row contributions, ouro_harness.contributions)
                       with --root, every request names its model: {"id", "model": key, ...};
                       {"id", "model": key, "describe": true} loads it and answers its
                       {"task", "classes", "has_proba", "features"}; {"id", "unload": key} drops it
                       (answer {"id", "unloaded": key}). Every answer carries "rss_mb", the
                       process's resident memory, by which the server keeps its memory budget.
  stdout               {"id": n, "predictions": [...], "probabilities": [[...]] | null}
  stdin (forecasting)  {"id": n, "forecast": {"series"?, "horizon"?, "history"?: [{"date", "value"}],
                        "future"?: [{date column: ..., exog: ...}]}}
  stdout               {"id": n, "series": id, "forecasts": [{"date", "value", "lo"?, "hi"?}]}
                       or {"id": n, "error": message, "code": "input_columns" | "bad_request" | "internal"}

A request that fails leaves the worker running; stdin's end stops it. Nothing but protocol
lines is written to stdout (warnings go to stderr).
"""

import argparse
import gc
import json
import os
import sys
import warnings

import numpy as np

from .errors import InputError, MissingColumnError
from .jsonfile import plain
from .model import align_probabilities, estimator_classes
from .predict import load_model


def _input_names(model) -> list:
    if model.task == 'forecast':
        return [i['name'] for i in model.signature['inputs']]
    return model.cleaner.input_names


def _predict_once(model, rows: list):
    """OuroModel.predict and predict_proba on request rows, with the cleaner run once (its
    cell-by-cell shortcut) and, for a classifier with probabilities, the pipeline run once:
    the label is the class of highest probability, which is how scikit-learn's, LightGBM's
    and XGBoost's classifiers and soft voting choose it (first class on a tie, like argmax)."""
    X = model.cleaner.transform_records(rows)[model.signature['columns']]
    order = estimator_classes(model.estimator)
    if model.has_proba and order is not None:
        raw = np.asarray(model.estimator.predict_proba(X), dtype=float)
        predictions = np.asarray(order, dtype=object)[raw.argmax(axis=1)].astype(str) if len(rows) else np.array([], dtype=str)
        return predictions, align_probabilities(raw, order, model.classes)
    predictions = np.asarray(model.estimator.predict(X))
    predictions = predictions.astype(float) if model.task == 'regression' else predictions.astype(str)
    probabilities = None
    if model.has_proba:
        probabilities = align_probabilities(model.estimator.predict_proba(X), order, model.classes)
    return predictions, probabilities


def _answer(model, request: dict) -> dict:
    import pandas as pd

    rid = request.get('id')
    if model.task == 'forecast' and 'forecast' in request:
        return _forecast(model, rid, request['forecast'])
    rows = request.get('rows')
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return {'id': rid, 'error': 'rows must be a list of objects', 'code': 'bad_request'}
    try:
        if model.task == 'forecast':
            names = _input_names(model)
            frame = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame({n: [] for n in names})
            predictions, probabilities = model.predict(frame), None
        else:
            predictions, probabilities = _predict_once(model, rows)
    except (MissingColumnError, InputError) as err:
        return {'id': rid, 'error': getattr(err, 'message', None) or str(err), 'code': 'input_columns'}
    reply = {'id': rid, 'predictions': predictions.tolist(),
             'probabilities': None if probabilities is None else probabilities.tolist()}
    if request.get('explain'):
        from .contributions import NotExplainable, explain_rows
        try:
            reply['explanations'] = explain_rows(model, rows)
        except NotExplainable as err:
            return {'id': rid, 'error': str(err), 'code': 'bad_request'}
    return reply


def _forecast(model, rid, spec) -> dict:
    """The next `horizon` values of one series, from its stored history plus `history`."""
    import pandas as pd

    from .series_checks import DS, ID, Y

    if not isinstance(spec, dict):
        return {'id': rid, 'error': 'forecast must be an object', 'code': 'bad_request'}
    info = model.info
    series = spec.get('series')
    known = [s['id'] for s in info['series']]
    if series is None:
        if len(known) != 1:
            return {'id': rid, 'error': f'this model forecasts {len(known)} series; name one in "series"', 'code': 'bad_request'}
        series = known[0]
    series = str(series)
    history = None
    if spec.get('history'):
        rows = spec['history']
        try:
            history = pd.DataFrame({ID: series, DS: pd.to_datetime([r['date'] for r in rows]),
                                    Y: [float(r['value']) for r in rows]})
        except (KeyError, TypeError, ValueError) as err:
            return {'id': rid, 'error': f'history must be [{{"date": ..., "value": number}}]: {err}', 'code': 'bad_request'}
    future = None
    if info.get('exog'):
        if not spec.get('future'):
            return {'id': rid, 'error': f'this model needs future values of {info["exog"]} in "future"', 'code': 'bad_request'}
        future = pd.DataFrame(spec['future'])
        future = future.rename(columns={info['dateColumn']: DS})
        future[DS] = pd.to_datetime(future[DS])
        future[ID] = series
    try:
        out = model.forecast(horizon=spec.get('horizon'), series=series if history is None else None,
                             history=history, future=future)
    except InputError as err:
        return {'id': rid, 'error': err.message, 'code': 'bad_request'}
    out = out[out[ID] == series]
    points = []
    for _, r in out.iterrows():
        p = {'date': r[DS].isoformat(), 'value': float(r['yhat'])}
        if 'lo' in out.columns and pd.notna(r['lo']):
            p.update({'lo': float(r['lo']), 'hi': float(r['hi'])})
        points.append(p)
    return {'id': rid, 'series': series, 'forecasts': points}


def _write(doc: dict) -> None:
    sys.stdout.write(json.dumps(plain(doc), allow_nan=False, ensure_ascii=False) + '\n')
    sys.stdout.flush()


def _rss_mb() -> float:
    """Resident memory of this process (Linux /proc; 0 where it cannot be read)."""
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _describe(model) -> dict:
    return {'task': model.task, 'classes': model.classes if model.task != 'regression' else None,
            'has_proba': bool(model.has_proba),
            'features': [] if model.task == 'forecast' else [dict(f) for f in model.cleaner.features]}


def _load(folder: str):
    model = load_model(folder)
    # One throwaway prediction so the first real request does not pay for lazy imports.
    try:
        _answer(model, {'id': None, 'rows': [{n: None for n in _input_names(model)}]})
    except Exception:  # noqa: BLE001 - a model that cannot predict an empty row still serves others
        pass
    return model


def _trim() -> None:
    """Hands freed memory back to the system after an unload, so the server sees RSS fall."""
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _Models:
    """The models of a --root process, by key (a folder name under the root)."""

    def __init__(self, root: str):
        self.root = root
        self.loaded = {}

    def get(self, key):
        if not isinstance(key, str) or not key or key.startswith('.') or '/' in key or '\0' in key:
            raise _BadRequest('model must be the name of a folder under the root')
        if key not in self.loaded:
            folder = os.path.join(self.root, key)
            if not os.path.isfile(os.path.join(folder, 'model.joblib')):
                raise _BadRequest(f'no model {key!r} under the root')
            self.loaded[key] = _load(folder)
        return self.loaded[key]

    def unload(self, key) -> None:
        if self.loaded.pop(key, None) is not None:
            _trim()


class _BadRequest(Exception):
    pass


def _serve_many(models: _Models, request: dict) -> dict:
    rid = request.get('id')
    if 'unload' in request:
        models.unload(request['unload'])
        return {'id': rid, 'unloaded': request['unload']}
    try:
        model = models.get(request.get('model'))
    except _BadRequest as err:
        return {'id': rid, 'error': str(err), 'code': 'bad_request'}
    if request.get('describe'):
        return {'id': rid, **_describe(model)}
    return _answer(model, request)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='python -m ouro_harness.serve_loop')
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument('--model', help='folder holding model.joblib')
    which.add_argument('--root', help='folder of model folders, each loaded on its first request')
    args = p.parse_args(argv)
    warnings.simplefilter('ignore')
    if args.model is not None:
        model = _load(args.model)
        _write({'ready': True, 'rss_mb': _rss_mb(), **_describe(model)})
        handle = lambda request: _answer(model, request)  # noqa: E731
    else:
        models = _Models(args.root)
        _write({'ready': True, 'rss_mb': _rss_mb()})
        handle = lambda request: _serve_many(models, request)  # noqa: E731
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as err:
            _write({'id': None, 'error': f'not JSON: {err}', 'code': 'bad_request'})
            continue
        if not isinstance(request, dict):
            _write({'id': None, 'error': 'a request is a JSON object', 'code': 'bad_request'})
            continue
        try:
            reply = handle(request)
        except Exception as err:  # noqa: BLE001 - report and keep serving
            reply = {'id': request.get('id'), 'error': f'{type(err).__name__}: {err}', 'code': 'internal'}
        _write({**reply, 'rss_mb': _rss_mb()})
    return 0


if __name__ == '__main__':
    sys.exit(main())
