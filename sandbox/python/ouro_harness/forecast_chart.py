"""The forecast-against-holdout chart of a forecasting model, for its card and model page.

Drawn after the holdout was scored: the host hands over the holdout's actual values (in the
order of holdout/features.parquet); no experiment runs after this step."""

import json

import numpy as np
import pandas as pd

from .convert import as_text, parse_datetime
from .predict import load_model
from .series_checks import DS, ID, Y
from .tables import read_parquet

MAX_PANELS = 4
HISTORY_SEASONS = 3


def draw_forecast_chart(model_dir: str, features: str, actuals: str, out: str) -> None:
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    model = load_model(model_dir)
    info = model.info
    rows = read_parquet(features)
    with open(actuals, encoding='utf-8') as f:
        labels = json.load(f)['labels']
    ds = parse_datetime(as_text(rows[info['dateColumn']]), 'iso')[0]
    ids = as_text(rows[info['idColumn']]).astype(str) if info['idColumn'] else pd.Series(model.history[ID].iloc[0], index=rows.index)
    hold = pd.DataFrame({ID: ids.to_numpy(), DS: ds.to_numpy(), Y: np.asarray(labels, dtype=float)})
    series = list(hold[ID].unique())[:MAX_PANELS]
    forecast = model.forecast(horizon=None, series=series) if not info.get('exog') else None
    if forecast is None:
        predicted = model.predict(rows)
        forecast = hold[[ID, DS]].assign(yhat=predicted)
    fig, axes = plt.subplots(len(series), 1, figsize=(9, 2.8 * len(series)), squeeze=False)
    window = max(HISTORY_SEASONS * max(info['seasonLength'], 1), 3 * info['horizon'])
    for ax, sid in zip(axes[:, 0], series):
        hist = model.history[model.history[ID] == sid].tail(window)
        act = hold[hold[ID] == sid]
        fc = forecast[(forecast[ID] == sid) & forecast[DS].isin(act[DS])]
        ax.plot(hist[DS], hist[Y], color='#555555', linewidth=1.2, label='training')
        ax.plot(act[DS], act[Y], color='#1f77b4', linewidth=1.6, marker='o', markersize=3, label='holdout (actual)')
        ax.plot(fc[DS], fc['yhat'], color='#d62728', linewidth=1.6, linestyle='--', label='forecast')
        if 'lo' in fc.columns and fc['lo'].notna().all():
            ax.fill_between(fc[DS], fc['lo'], fc['hi'], color='#d62728', alpha=0.15, label=f'{info.get("level") or 80}% interval')
        ax.set_title(sid if info['idColumn'] else model.signature['target'], fontsize=10)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc='upper left', fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
