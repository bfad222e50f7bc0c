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
            arrays.append(pa.array(col.where(col.notna(), None).tolist(), type=pa.string()))
        else:
            arrays.append(pa.array(col.to_numpy(), from_pandas=True))
        names.append(str(name))
    pq.write_table(pa.Table.from_arrays(arrays, names=names), path)


def read_parquet(path) -> pd.DataFrame:
    """Strings as object with NaN for missing (pyarrow gives None)."""
    df = pq.read_table(path).to_pandas()
    for name in df.columns:
        if df[name].dtype == object:
            df[name] = df[name].where(df[name].notna(), np.nan)
    return df
