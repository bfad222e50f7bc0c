"""Batch prediction with a saved model: the trusted step that scores the holdout features
(and any file a person sends) outside the experiment's sandbox."""

import json
import os

import joblib
import pandas as pd

from .clean import as_frame
from .errors import InputError, MissingColumnError
from .jsonfile import write_json
from .sniff import read_table, sniff_file
from .tables import read_parquet


def load_model(model_dir: str):
    return joblib.load(os.path.join(model_dir, 'model.joblib'))


def read_rows(path: str) -> pd.DataFrame:
    """.parquet, .json (a list of records, or {"records"|"instances"|"inputs"|"data": [...]})
    or a delimited text file read like `inspect` reads uploads."""
    lower = path.lower()
    if lower.endswith('.parquet'):
        return read_parquet(path)
    if lower.endswith('.json'):
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        if isinstance(data, dict):
            for key in ('records', 'instances', 'inputs', 'data', 'rows'):
                if isinstance(data.get(key), list):
                    data = data[key]
                    break
        return as_frame(data)
    return read_table(path, sniff_file(path))[0]


def predict_rows(model, rows: pd.DataFrame) -> dict:
    """{"predictions": [...], "probabilities": [[...]] | null, "classes": [...] | null}."""
    try:
        predictions = model.predict(rows)
        probabilities = model.predict_proba(rows) if model.has_proba else None
    except MissingColumnError as err:
        raise InputError('input_columns', f'the input has no column {err.column!r}, which the model needs') from None
    return {
        'predictions': predictions.tolist(),
        'probabilities': None if probabilities is None else probabilities.tolist(),
        'classes': model.classes if model.task != 'regression' else None,
    }


def predict_file(model_dir: str, input_path: str, out_path: str) -> dict:
    result = predict_rows(load_model(model_dir), read_rows(input_path))
    write_json(out_path, result)
    return result
