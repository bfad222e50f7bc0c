"""Parquet in and out for tables of raw string cells."""

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def write_parquet(df: pd.DataFrame, path) -> None:
    """Object columns are written as strings (NaN -> null); numeric columns keep their type."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if len(df.columns) >= 50 and all(dtype == object for dtype in df.dtypes):
        # A wide table of cells: one conversion of every cell in Arrow's C++, sliced into columns.
        try:
            n = len(df)
            cells = pa.array(df.to_numpy(dtype=object).ravel(order='F'), type=pa.string(), from_pandas=True)
            arrays = [cells.slice(j * n, n) for j in range(len(df.columns))]
            pq.write_table(pa.Table.from_arrays(arrays, names=[str(c) for c in df.columns]), path)
            return
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # mixed cells: column by column below
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
    table = pq.read_table(path)
    if table.num_columns >= 50 and all(pa.types.is_string(t) or pa.types.is_large_string(t) for t in table.schema.types):
        # A wide table of cells: one object matrix, nulls as NaN, no per-column pandas call.
        cells = np.empty((table.num_rows, table.num_columns), dtype=object)
        for j, column in enumerate(table.columns):
            cells[:, j] = column.to_numpy(zero_copy_only=False)
        cells[pd.isna(cells)] = np.nan
        return pd.DataFrame(cells, columns=table.column_names)
    df = table.to_pandas()
    text = [name for name in df.columns if df[name].dtype == object]
    if text:  # one operation over all string columns, not one per column (wide tables)
        block = df[text]
        df[text] = block.where(block.notna(), np.nan)
    return df
