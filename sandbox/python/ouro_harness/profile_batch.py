"""The profile of plain-number columns, all at once: one parse of every cell and a few matrix
operations, so a wide table (thousands of number columns) costs O(rows x columns) with no
per-column pandas call. Columns this cannot settle (any cell that is not a plain number, a
column whose every value is a distinct integer, which may be an identifier or a time index,
or an empty one) are left to profile.analyze_column, which gives the same entry the long way."""

import numpy as np
import pandas as pd

_INTEGER = r'[+-]?\d+'


def _first_distinct(cells: np.ndarray, limit: int = 5) -> list:
    out, seen = [], set()
    for value in cells:
        if isinstance(value, str) and value not in seen:
            seen.add(value)
            out.append(value if len(value) <= 80 else value[:79] + '…')
            if len(out) == limit:
                break
    return out


def _finite(x):
    return float(x) if np.isfinite(x) else None


def plain_number_infos(df: pd.DataFrame, texts: np.ndarray) -> dict:
    """{column position: profile entry} for the columns whose raw cells are all plain numbers
    (str cells that pandas.to_numeric reads, missing tokens aside). `texts` is the rows x columns
    object matrix of as_text values (stripped str, NaN for missing)."""
    n_rows, n_cols = texts.shape
    if n_rows == 0 or n_cols == 0:
        return {}
    raw = df.to_numpy(dtype=object)
    # Only tables read as text (CSV): typed cells (Excel, Parquet) keep the per-column path,
    # whose stored type follows the reader's dtypes.
    if pd.api.types.infer_dtype(raw.ravel(), skipna=True) not in ('string', 'empty'):
        return {}
    parsed = pd.to_numeric(pd.Series(raw.ravel(order='F')), errors='coerce').to_numpy(dtype=float).reshape((n_rows, n_cols), order='F')
    raw_present = pd.notna(raw)
    text_present = pd.notna(texts)
    n_present = text_present.sum(axis=0)
    # Every raw cell a number, and no cell that only the text pass calls missing (' ', 'NA').
    eligible = ((~np.isnan(parsed) == raw_present).all(axis=0) & (raw_present == text_present).all(axis=0)
                & (n_present > 0))
    if not eligible.any():
        return {}
    cols = np.flatnonzero(eligible)
    values = parsed[:, cols]
    ordered = np.sort(values, axis=0)  # NaN last
    valid = ~np.isnan(ordered)
    unique = valid[0].astype(int) + ((ordered[1:] != ordered[:-1]) & valid[1:]).sum(axis=0)
    complete = n_present[cols] == n_rows
    with np.errstate(invalid='ignore'):
        integral = np.all(np.isnan(values) | (values == np.round(values)), axis=0)
    # All present, all distinct, all whole numbers: an identifier or a sequence? The long way decides.
    settled = ~(complete & (unique == n_rows) & integral & (n_rows >= 2))
    finite = np.where(np.isfinite(values), values, np.nan)
    with np.errstate(all='ignore'):
        lows, highs = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        counts = np.isfinite(values).sum(axis=0)
        means = np.where(counts > 0, np.nansum(finite, axis=0) / np.maximum(counts, 1), np.nan)
    # Stored 'integer' (what pandas.read_csv would give): no missing cell and every cell written as an integer.
    candidates = [k for k in range(len(cols)) if settled[k] and complete[k] and integral[k]]
    written_int = np.zeros(len(cols), dtype=bool)
    if candidates:
        cells = pd.Series(texts[:, cols[candidates]].ravel(order='F'), dtype=object)
        matches = cells.str.fullmatch(_INTEGER).to_numpy(dtype=bool).reshape((n_rows, len(candidates)), order='F')
        written_int[candidates] = matches.all(axis=0)
    names = list(df.columns)
    out = {}
    for k, j in enumerate(cols):
        if not settled[k]:
            continue
        info = {
            'name': names[j], 'stored': 'integer' if written_int[k] else 'float',
            'meant': 'constant' if unique[k] == 1 else 'numeric', 'conversion': None,
            'missingShare': float(n_rows - n_present[j]) / n_rows, 'unique': int(unique[k]),
            'samples': _first_distinct(texts[:, j]),
            'min': None, 'max': None, 'mean': None,
            '_options': {}, '_unparsed': 0, '_unparsed_example': None, '_id_reason': None,
            '_mean_length': 0.0, '_time': False, '_mean_words': 0.0,  # read only for free text
        }
        info.update(min=_finite(lows[k]), max=_finite(highs[k]), mean=_finite(means[k]) if counts[k] else None)
        out[int(j)] = info
    return out

