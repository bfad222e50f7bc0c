"""The prediction server's Python worker: loads a saved model once, then answers requests.

    python -m ouro_harness.serve_loop --model DIR

Line protocol (UTF-8 JSON, one document per line):
  stdout, first line   {"ready": true, "task", "classes", "has_proba", "features"}
                       (features: the cleaner's specs, with decimal/format/time)
  stdin                {"id": n, "rows": [{column: value, ...}, ...]}
  stdout               {"id": n, "predictions": [...], "probabilities": [[...]] | null}
  stdin (forecasting)  {"id": n, "forecast": {"series"?, "horizon"?, "history"?: [{"date", "value"}],
                        "future"?: [{date column: ..., exog: ...}]}}
  stdout               {"id": n, "series": id, "forecasts": [{"date", "value", "lo"?, "hi"?}]}
                       or {"id": n, "error": message, "code": "input_columns" | "bad_request" | "internal"}

A request that fails leaves the worker running; stdin's end stops it. Nothing but protocol
lines is written to stdout (warnings go to stderr).
"""

import argparse
import json
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


def _predict_once(model, frame):
    """OuroModel.predict and predict_proba with the cleaner run once instead of twice."""
    if model.task == 'forecast':
        return model.predict(frame), None
    X = model.transform(frame)
    predictions = np.asarray(model.estimator.predict(X))
    predictions = predictions.astype(float) if model.task == 'regression' else predictions.astype(str)
    probabilities = None
    if model.has_proba:
        probabilities = align_probabilities(model.estimator.predict_proba(X), estimator_classes(model.estimator), model.classes)
    return predictions, probabilities


def _answer(model, request: dict) -> dict:
    import pandas as pd

    rid = request.get('id')
    if model.task == 'forecast' and 'forecast' in request:
        return _forecast(model, rid, request['forecast'])
    rows = request.get('rows')
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return {'id': rid, 'error': 'rows must be a list of objects', 'code': 'bad_request'}
    names = _input_names(model)
    frame = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame({n: [] for n in names})
    try:
        predictions, probabilities = _predict_once(model, frame)
    except (MissingColumnError, InputError) as err:
        return {'id': rid, 'error': getattr(err, 'message', None) or str(err), 'code': 'input_columns'}
    return {'id': rid, 'predictions': predictions.tolist(),
            'probabilities': None if probabilities is None else probabilities.tolist()}


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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='python -m ouro_harness.serve_loop')
    p.add_argument('--model', required=True, help='folder holding model.joblib')
    args = p.parse_args(argv)
    warnings.simplefilter('ignore')
    model = load_model(args.model)
    # One throwaway prediction so the first real request does not pay for lazy imports.
    try:
        _answer(model, {'id': None, 'rows': [{n: None for n in _input_names(model)}]})
    except Exception:  # noqa: BLE001 - a model that cannot predict an empty row still serves others
        pass
    _write({'ready': True, 'task': model.task, 'classes': model.classes if model.task != 'regression' else None,
            'has_proba': bool(model.has_proba),
            'features': [] if model.task == 'forecast' else [dict(f) for f in model.cleaner.features]})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as err:
            _write({'id': None, 'error': f'not JSON: {err}', 'code': 'bad_request'})
            continue
        try:
            _write(_answer(model, request))
        except Exception as err:  # noqa: BLE001 - report and keep serving
            _write({'id': request.get('id') if isinstance(request, dict) else None,
                    'error': f'{type(err).__name__}: {err}', 'code': 'internal'})
    return 0


if __name__ == '__main__':
    sys.exit(main())
