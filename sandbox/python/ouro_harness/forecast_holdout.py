"""The scored holdout of a forecasting run as one frame (series id, date, actual value), for the
steps that may use it after scoring: the chart and the refit. The host hands the actual values
over in the order of holdout/features.parquet."""

import json

import numpy as np
import pandas as pd

from .convert import as_text, parse_datetime
from .predict import load_model
from .series_checks import DS, ID, Y
from .tables import read_parquet


def read_scored_holdout(model_dir: str, features: str, actuals: str):
    """(model, holdout feature rows, frame of id / date / actual value)."""
    model = load_model(model_dir)
    info = model.info
    rows = read_parquet(features)
    with open(actuals, encoding='utf-8') as f:
        labels = json.load(f)['labels']
    ds = parse_datetime(as_text(rows[info['dateColumn']]), 'iso')[0]
    ids = as_text(rows[info['idColumn']]).astype(str) if info['idColumn'] else pd.Series(model.history[ID].iloc[0], index=rows.index)
    frame = pd.DataFrame({ID: ids.to_numpy(), DS: ds.to_numpy(), Y: np.asarray(labels, dtype=float)})
    return model, rows, frame
