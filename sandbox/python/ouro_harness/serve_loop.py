"""The prediction server's Python worker: loads a saved model once, then answers requests.

    python -m ouro_harness.serve_loop --model DIR

Line protocol (UTF-8 JSON, one document per line):
  stdout, first line   {"ready": true, "task", "classes", "has_proba", "features"}
                       (features: the cleaner's specs, with decimal/format/time)
  stdin                {"id": n, "rows": [{column: value, ...}, ...]}
  stdout               {"id": n, "predictions": [...], "probabilities": [[...]] | null}
                       or {"id": n, "error": message, "code": "input_columns" | "bad_request" | "internal"}

A request that fails leaves the worker running; stdin's end stops it. Nothing but protocol
lines is written to stdout (warnings go to stderr).
"""

import argparse
import json
import sys
import warnings

import numpy as np

from .errors import MissingColumnError
from .jsonfile import plain
from .model import align_probabilities, estimator_classes
from .predict import load_model


def _predict_once(model, frame):
    """OuroModel.predict and predict_proba with the cleaner run once instead of twice."""
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
    rows = request.get('rows')
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return {'id': rid, 'error': 'rows must be a list of objects', 'code': 'bad_request'}
    names = model.cleaner.input_names
    frame = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame({n: [] for n in names})
    try:
        predictions, probabilities = _predict_once(model, frame)
    except MissingColumnError as err:
        return {'id': rid, 'error': str(err), 'code': 'input_columns'}
    return {'id': rid, 'predictions': predictions.tolist(),
            'probabilities': None if probabilities is None else probabilities.tolist()}


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
        _answer(model, {'id': None, 'rows': [{n: None for n in model.cleaner.input_names}]})
    except Exception:  # noqa: BLE001 - a model that cannot predict an empty row still serves others
        pass
    _write({'ready': True, 'task': model.task, 'classes': model.classes if model.task != 'regression' else None,
            'has_proba': bool(model.has_proba), 'features': [dict(f) for f in model.cleaner.features]})
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
