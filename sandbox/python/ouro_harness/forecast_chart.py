"""The forecast-against-holdout chart of a forecasting model, for its card and model page.

Drawn after the holdout was scored: the host hands over the holdout's actual values (in the
order of holdout/features.parquet); no experiment runs after this step."""

from .forecast_holdout import read_scored_holdout
from .series_checks import DS, ID, Y

MAX_PANELS = 4
HISTORY_SEASONS = 3


def draw_forecast_chart(model_dir: str, features: str, actuals: str, out: str) -> None:
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    model, rows, hold = read_scored_holdout(model_dir, features, actuals)
    info = model.info
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
