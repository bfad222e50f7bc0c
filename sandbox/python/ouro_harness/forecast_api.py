"""The experiment API of forecasting runs:

    from ouro_harness import forecast_info, load_series, rolling_origin_cv, save_forecaster, write_metrics
    from ouro_harness.forecasters import StatsForecaster
    info = forecast_info()
    series = load_series()
    model = StatsForecaster(info['frequency'], info['season_length'], kind='ets', positive=info['positive'])
    scores = rolling_origin_cv(model, series)
    model.fit(series)
    save_forecaster(model, series)
    write_metrics(scores)

Cross-validation is by rolling origin only: every fold trains on a prefix of each series and
scores the next `horizon` steps, so no fold ever trains on the future it is scored on."""

import os
import time
from datetime import datetime, timezone

import joblib
import numpy as np
import pandas as pd

from . import __version__ as HARNESS_VERSION
from .api import _schema, data_dir
from .forecast_model import OuroForecastModel
from .jsonfile import write_json
from .series_checks import DS, ID, Y, seasonal_naive_scale
from .tables import read_parquet
from .vocabulary import TASK_METRICS_ALL

FORECAST_METRICS = TASK_METRICS_ALL['forecast']


def forecast_info() -> dict:
    """{task, metric, target, seed, frequency, frequency_label, season_length, horizon, positive,
    exog, series, date_column, id_column}."""
    schema = _schema()
    if schema['task'] != 'forecast':
        raise ValueError(f"forecast_info(): this run's task is {schema['task']}, not forecast")
    f = schema['forecast']
    return {
        'task': 'forecast', 'metric': schema['metric'], 'target': schema['target'], 'seed': schema['seed'],
        'frequency': f['frequency'], 'frequency_label': f['frequencyLabel'], 'season_length': f['seasonLength'],
        'horizon': f['horizon'], 'positive': f['positive'], 'exog': list(f['exog']), 'series': f['series'],
        'date_column': f['dateColumn'], 'id_column': f['idColumn'],
    }


def load_series() -> pd.DataFrame:
    """The training part: unique_id (str), ds (datetime), y (float) and the exogenous columns,
    sorted by series and time, regular (no gaps, no duplicates)."""
    df = read_parquet(os.path.join(data_dir(), 'train.parquet'))
    df[ID] = df[ID].astype(str)
    df[DS] = pd.to_datetime(df[DS])
    return df.sort_values([ID, DS], kind='stable').reset_index(drop=True)


def forecast_scores(actual: pd.DataFrame, predicted: pd.DataFrame, train: pd.DataFrame, season: int) -> dict:
    """MASE (mean over series of MAE / in-sample seasonal naive MAE), sMAPE (%) and RMSE."""
    merged = actual[[ID, DS, Y]].merge(predicted[[ID, DS, 'yhat']], on=[ID, DS], how='left')
    if merged['yhat'].isna().any():
        raise ValueError(f'the forecast misses {int(merged["yhat"].isna().sum())} of the dates it was asked for')
    err = merged[Y].to_numpy() - merged['yhat'].to_numpy()
    mase = []
    for sid, g in merged.groupby(ID, sort=False):
        hist = train.loc[train[ID] == sid, Y].to_numpy(dtype=float)
        mase.append(np.mean(np.abs(g[Y] - g['yhat'])) / seasonal_naive_scale(hist, season))
    a, f = np.abs(merged[Y].to_numpy()), np.abs(merged['yhat'].to_numpy())
    denom = a + f
    smape = 100 * np.mean(np.where(denom == 0, 0.0, 2 * np.abs(err) / np.where(denom == 0, 1, denom)))
    return {'mase': float(np.mean(mase)), 'smape': float(smape), 'rmse': float(np.sqrt(np.mean(err ** 2)))}


def rolling_origin_cv(forecaster, series: pd.DataFrame, folds: int = 3, horizon: int | None = None) -> dict:
    """Rolling-origin evaluation: fold k trains on each series up to `k * horizon` steps before
    its end and forecasts the next `horizon` steps. Series too short for a fold sit it out.
    Returns {metric, mean, std, folds, fold_scores, all, seconds} like cross_validate."""
    info = forecast_info()
    h = int(horizon or info['horizon'])
    season = info['season_length']
    min_train = max(2 * season, 8)
    started = time.time()
    per_metric = {m: [] for m in FORECAST_METRICS}
    cutoffs = []
    for k in range(folds, 0, -1):
        pos = series.groupby(ID, sort=False).cumcount(ascending=False)
        test_mask = (pos >= (k - 1) * h) & (pos < k * h)
        train_mask = pos >= k * h
        sizes = train_mask.groupby(series[ID]).sum()
        usable = sizes[sizes >= min_train].index
        if len(usable) == 0:
            continue
        train = series[train_mask & series[ID].isin(usable)]
        test = series[test_mask & series[ID].isin(usable)]
        model = forecaster.clone().fit(train)
        future = test.drop(columns=[Y]) if info['exog'] else None
        predicted = model.predict(h, future)
        for m, v in forecast_scores(test, predicted, train, season).items():
            per_metric[m].append(v)
        cutoffs.append(train[DS].max().isoformat())
    if not per_metric['mase']:
        raise ValueError(f'no series is long enough for one rolling-origin fold: each needs {min_train} training '
                         f'points plus a horizon of {h}')
    metric = info['metric']
    fold_scores = per_metric[metric]
    return {
        'metric': metric, 'mean': float(np.mean(fold_scores)), 'std': float(np.std(fold_scores)),
        'folds': len(fold_scores), 'fold_scores': [float(s) for s in fold_scores],
        'all': {m: float(np.mean(v)) for m, v in per_metric.items()}, 'cutoffs': cutoffs,
        'seconds': round(time.time() - started, 3),
    }


def forecast_signature(schema: dict, series: pd.DataFrame, intervals: bool) -> dict:
    f = schema['forecast']
    last = series.groupby(ID, sort=False)[DS].max()
    inputs = [{'name': f['dateColumn'], 'dtype': 'datetime', 'meant': 'datetime', 'conversion': 'datetime',
               'required': True, 'categories': None}]
    if f['idColumn']:
        inputs.insert(0, {'name': f['idColumn'], 'dtype': 'string', 'meant': 'categorical', 'conversion': None,
                          'required': True, 'categories': [str(s) for s in last.index[:200]]})
    for c in f['exog']:
        inputs.append({'name': c, 'dtype': 'number', 'meant': 'numeric', 'conversion': None, 'required': True,
                       'categories': None})
    return {
        'task': 'forecast', 'target': schema['target'], 'metric': schema['metric'], 'classes': None,
        'inputs': inputs, 'columns': [],
        'forecast': {
            'dateColumn': f['dateColumn'], 'idColumn': f['idColumn'], 'frequency': f['frequency'],
            'frequencyLabel': f['frequencyLabel'], 'seasonLength': f['seasonLength'], 'horizon': f['horizon'],
            'exog': list(f['exog']), 'intervals': bool(intervals), 'level': 80 if intervals else None,
            'series': [{'id': str(s), 'last': d.isoformat()} for s, d in last.items()],
        },
        'created': datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'), 'harness': HARNESS_VERSION,
    }


def save_forecaster(forecaster, series: pd.DataFrame, path: str = 'model') -> OuroForecastModel:
    """Saves `path`/model.joblib (an OuroForecastModel) and `path`/signature.json. `forecaster`
    must be fitted on `series` (load_series' frame); a short forecast is checked first."""
    if not getattr(forecaster, 'fitted', False):
        raise ValueError('save_forecaster: fit the forecaster on load_series() before saving it')
    schema = _schema()
    saved = OuroForecastModel(forecaster, series[[ID, DS, Y] + list(schema['forecast']['exog'])].copy(),
                              forecast_signature(schema, series, forecaster.intervals))
    if not schema['forecast']['exog']:
        check = saved.forecast(horizon=1)
        if check['yhat'].isna().any() or len(check) != series[ID].nunique():
            raise ValueError('save_forecaster: the model does not forecast every series')
    os.makedirs(path, exist_ok=True)
    joblib.dump(saved, os.path.join(path, 'model.joblib'))
    write_json(os.path.join(path, 'signature.json'), saved.signature)
    return saved
