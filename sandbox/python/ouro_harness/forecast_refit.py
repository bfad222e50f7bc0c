"""After the holdout is scored: refit the chosen forecaster on training + holdout, so the
served model forecasts from the end of the data rather than from the start of the holdout."""

import json
import os

import joblib
import numpy as np
import pandas as pd

from .convert import as_text, parse_datetime
from .jsonfile import write_json
from .predict import load_model
from .series_checks import DS, ID, Y
from .tables import read_parquet


def refit_on_all(model_dir: str, features: str, actuals: str, out: str) -> None:
    model = load_model(model_dir)
    info = model.info
    rows = read_parquet(features)
    with open(actuals, encoding='utf-8') as f:
        labels = json.load(f)['labels']
    ds = parse_datetime(as_text(rows[info['dateColumn']]), 'iso')[0]
    ids = as_text(rows[info['idColumn']]).astype(str) if info['idColumn'] else pd.Series(model.history[ID].iloc[0], index=rows.index)
    newer = pd.DataFrame({ID: ids.to_numpy(), DS: ds.to_numpy(), Y: np.asarray(labels, dtype=float)})
    for c in info.get('exog') or []:
        newer[c] = pd.to_numeric(rows[c], errors='coerce').to_numpy(dtype=float)
    refitted = model.refit_with(newer)
    os.makedirs(out, exist_ok=True)
    joblib.dump(refitted, os.path.join(out, 'model.joblib'))
    write_json(os.path.join(out, 'signature.json'), refitted.signature)
