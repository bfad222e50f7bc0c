"""The typed table the generators see, and the constraints every synthetic table is made to
obey before it is written. `workspace/real.parquet` holds the training rows: numbers as float,
categories as str, dates as float days since 1970; `workspace/meta.json` says what each column
is and what it obeys (ranges, integers, decimals, category sets, unique keys, date order)."""

import os

import numpy as np
import pandas as pd

from ..jsonfile import read_json, write_json
from ..tables import read_parquet, write_parquet


def data_dir(explicit=None) -> str:
    if explicit:
        return explicit
    if os.environ.get('OURO_DATA_DIR'):
        return os.environ['OURO_DATA_DIR']
    return os.path.join(os.getcwd(), '..', '..', 'workspace')


def load_real(data=None):
    """(real training rows, meta). The holdout is not here: the generators never see it."""
    folder = data_dir(data)
    meta = read_json(os.path.join(folder, 'meta.json'))
    real = read_parquet(os.path.join(folder, 'real.parquet'))
    return real, meta


def modelled(meta) -> list:
    """Columns the generators model (keys, constants, empties and free text are not learned)."""
    return [c['name'] for c in meta['columns'] if c['kind'] in ('number', 'category', 'date')]


def enforce(df: pd.DataFrame, meta: dict, seed: int = 0) -> pd.DataFrame:
    """Makes a synthetic table obey what the real one does: the same columns in the same order,
    values inside the observed ranges, whole numbers where the real ones are whole, the real
    decimals, only known categories, fresh unique keys, and date pairs in their real order."""
    rng = np.random.default_rng(seed)
    out = {}
    n = len(df)
    for col in meta['columns']:
        name, kind = col['name'], col['kind']
        if kind == 'number' or kind == 'date':
            v = pd.to_numeric(df[name], errors='coerce').astype(float) if name in df else pd.Series(np.nan, index=df.index)
            v = v.clip(col['min'], col['max'])
            if col.get('integer'):
                v = v.round()
            elif col.get('decimals') is not None:
                v = v.round(int(col['decimals']))
            out[name] = v.to_numpy()
        elif kind == 'category':
            allowed = col['categories']
            v = df[name].astype(object) if name in df else pd.Series(np.nan, index=df.index, dtype=object)
            v = v.where(v.isna(), v.astype(str))
            bad = v.notna() & ~v.isin(allowed)
            if bad.any():
                p = np.asarray(col['weights'], dtype=float)
                v[bad] = rng.choice(allowed, size=int(bad.sum()), p=p / p.sum())
            out[name] = v.to_numpy()
        elif kind == 'key':
            out[name] = fresh_keys(col, n)
        elif kind == 'constant':
            out[name] = np.array([col['value']] * n, dtype=object)
        elif kind == 'empty':
            out[name] = np.array([np.nan] * n, dtype=object)
        # free text is withheld: the column is left out (the data card says so)
    frame = pd.DataFrame(out, index=range(n))
    for early, late in meta.get('dateOrder', []):
        a, b = frame[early].to_numpy(), frame[late].to_numpy()
        wrong = np.isfinite(a) & np.isfinite(b) & (a > b)
        frame.loc[wrong, [early, late]] = np.column_stack([b[wrong], a[wrong]])
    return frame


def fresh_keys(col: dict, n: int) -> np.ndarray:
    """New identifiers, unique and unlike any real one: integers past the real maximum, else `SYN-…`."""
    if col.get('integer') and col.get('max') is not None:
        start = int(col['max']) + 1
        return np.arange(start, start + n, dtype=float)
    return np.array([f'SYN-{i + 1:06d}' for i in range(n)], dtype=object)


def finish(df: pd.DataFrame, meta: dict, out: str = 'synthetic.parquet', seed: int = 0) -> pd.DataFrame:
    """Enforces the constraints and writes the table (typed like real.parquet) and a summary."""
    frame = enforce(df, meta, seed)
    write_parquet(frame, out)
    write_json(os.path.splitext(out)[0] + '.json', {'rows': len(frame), 'columns': list(frame.columns)})
    return frame
