"""JSON in and out: numpy scalars become Python numbers and NaN/inf become null, so every
file the harness writes is strict JSON that the host's zod schemas can read."""

import json
import math
import os

import numpy as np
import pandas as pd


def plain(value):
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray, pd.Series, pd.Index)):
        return [plain(v) for v in list(value)]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    return value


def write_json(path, obj) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f'{path}.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(plain(obj), f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write('\n')
    os.replace(tmp, path)


def read_json(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)
