"""Parquet in and out for tables of raw string cells."""

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(df: pd.DataFrame, path) -> None:
    """Object columns are written as strings (NaN -> null); numeric columns keep their type."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    arrays, names = [], []
    for name in df.columns:
        col = df[name]
        if col.dtype == object:
            try:  # vectorized: NaN and None become null
                arrays.append(pa.array(col, type=pa.string(), from_pandas=True))
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed cells: one at a time, as before
                arrays.append(pa.array(col.where(col.notna(), None).tolist(), type=pa.string()))
        else:
            arrays.append(pa.array(col.to_numpy(), from_pandas=True))
        names.append(str(name))
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)


def read_parquet(path) -> pd.DataFrame:
    """Strings as object with NaN for missing (pyarrow gives None)."""
    df = pq.read_table(path).to_pandas()
    text = [name for name in df.columns if df[name].dtype == object]
    if text:  # one operation over all string columns, not one per column (wide tables)
        block = df[text]
        df[text] = block.where(block.notna(), np.nan)
    return df
