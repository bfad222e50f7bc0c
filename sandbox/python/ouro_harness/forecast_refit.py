"""After the holdout is scored: refit the chosen forecaster on training + holdout, so the
served model forecasts from the end of the data rather than from the start of the holdout."""

import os

import joblib
import pandas as pd

from .forecast_holdout import read_scored_holdout
from .jsonfile import write_json


def refit_on_all(model_dir: str, features: str, actuals: str, out: str) -> None:
    model, rows, newer = read_scored_holdout(model_dir, features, actuals)
    info = model.info
    for c in info.get('exog') or []:
        newer[c] = pd.to_numeric(rows[c], errors='coerce').to_numpy(dtype=float)
    refitted = model.refit_with(newer)
    os.makedirs(out, exist_ok=True)
    joblib.dump(refitted, os.path.join(out, 'model.joblib'))
    write_json(os.path.join(out, 'signature.json'), refitted.signature)
