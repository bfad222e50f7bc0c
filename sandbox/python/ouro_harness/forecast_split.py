"""The split of a forecasting run: parse the dates, infer the frequency, make every series
regular (diagnosing what had to be fixed), and hold out the last `horizon` steps of every
series for the final check. Nothing is ever shuffled: the holdout of a series always lies
after all of its training timestamps."""

import os

import numpy as np
import pandas as pd

from . import __version__ as HARNESS_VERSION
from .convert import as_text, parse_datetime
from .errors import InputError
from .jsonfile import read_json, write_json
from .profile import analyze_column, convert_values, parse_options
from .series_checks import (DS, ID, Y, horizon_steps, infer_frequency, positivity_check, regularize,
                            season_check, seasonal_naive_scale)
from .split import _q, _resolve_target, clean_target
from .tables import read_parquet, write_parquet

SINGLE_SERIES = 'series'
MIN_TRAIN_POINTS = 8
EXOG_MEANT = ('numeric', 'boolean')


def _column(columns, name: str, what: str) -> str:
    try:
        return _resolve_target(columns, name)
    except InputError:
        shown = ', '.join(_q(c) for c in list(columns)[:30])
        raise InputError('series_unusable', f'There is no {what} column {_q(name)}; the columns are {shown}.') from None


def check_time_order(train: pd.DataFrame, hold: pd.DataFrame) -> None:
    """Every holdout timestamp of a series comes after every training timestamp of it."""
    last = train.groupby(ID)[DS].max()
    first = hold.groupby(ID)[DS].min()
    both = first.index.intersection(last.index)
    bad = both[(first[both] <= last[both]).to_numpy()]
    if len(bad):
        raise AssertionError(f'holdout of series {bad[0]!r} starts before its training part ends')


def seasonal_naive_forecast(y: np.ndarray, horizon: int, season: int) -> np.ndarray:
    m = season if len(y) >= season else 1
    return np.array([y[len(y) - m + (k % m)] for k in range(horizon)], dtype=float)


def split_series(table: str, profile: str, target: str, date_column: str, id_column: str | None,
                 horizon: int | None, horizon_unit: str | None, metric: str, seed: int,
                 workspace: str, holdout: str, vault: str) -> dict:
    df = read_parquet(table)
    prof = read_json(profile)
    delimiter = prof.get('file', {}).get('delimiter', ',')
    infos = {c['name']: c for c in prof['columns']}
    for name in df.columns:
        if name not in infos:
            infos[name] = {k: v for k, v in analyze_column(df[name], name, delimiter).items() if not k.startswith('_')}
    target = _resolve_target(list(df.columns), target)
    date_column = _column(df.columns, date_column, 'date')
    id_column = _column(df.columns, id_column, 'series id') if id_column else None
    if date_column == target:
        raise InputError('series_unusable', f'{_q(target)} holds the dates; the forecast target must be a numeric column.')

    y = clean_target(df[target], infos[target], 'regression', delimiter)
    fmt = parse_options(df[date_column], 'datetime', delimiter).get('format', 'iso')
    ds = parse_datetime(as_text(df[date_column]), fmt)[0]
    ids = as_text(df[id_column]).fillna('(missing)') if id_column else pd.Series(SINGLE_SERIES, index=df.index)
    exog = [c for c in df.columns if c not in (target, date_column, id_column) and infos[c]['meant'] in EXOG_MEANT]
    frame = pd.DataFrame({ID: ids.astype(str), DS: ds, Y: y})
    for c in exog:
        conversion = infos[c]['conversion'] or ('boolean' if infos[c]['meant'] == 'boolean' else None)
        frame[c] = convert_values(as_text(df[c]), conversion, parse_options(df[c], conversion, delimiter)).astype(float)
    findings, diagnoses = [], []
    unusable = frame[DS].isna() | frame[Y].isna()
    dropped_rows = int(unusable.sum())
    if dropped_rows:
        findings.append(f'{dropped_rows} row(s) without a readable date or {_q(target)} value are left out.')
    frame = frame[~unusable]
    if frame.empty:
        raise InputError('series_unusable', f'No row has both a readable date in {_q(date_column)} and a number in {_q(target)}.')

    freq = infer_frequency(frame)
    frame, fixed = regularize(frame, freq, exog)
    diagnoses += fixed
    frame = frame.sort_values([ID, DS], kind='stable').reset_index(drop=True)
    steps = horizon_steps(horizon, horizon_unit, freq)

    lengths = frame.groupby(ID, sort=False).size()
    short = lengths[lengths - steps < MIN_TRAIN_POINTS]
    if len(short) == len(lengths):
        raise InputError('series_unusable', (
            f'series_too_short: the longest series has {int(lengths.max())} {freq.label} points; holding out '
            f'{steps} and training on at least {MIN_TRAIN_POINTS} needs {steps + MIN_TRAIN_POINTS}. Ask for a '
            'shorter horizon or upload a longer history.'))
    if len(short):
        findings.append(f'{len(short)} series with fewer than {steps + MIN_TRAIN_POINTS} points are left out '
                        f'(e.g. {_q(short.index[0])}).')
        frame = frame[~frame[ID].isin(short.index)].reset_index(drop=True)

    position = frame.groupby(ID, sort=False).cumcount(ascending=False)
    hold_mask = position < steps
    train, hold = frame[~hold_mask].reset_index(drop=True), frame[hold_mask].reset_index(drop=True)
    check_time_order(train, hold)

    season, too_short = season_check(train.groupby(ID).size(), freq)
    positive, non_positive = positivity_check(train[Y])
    diagnoses += too_short + non_positive

    scales, baseline = {}, []
    histories = {sid: g[Y].to_numpy(dtype=float) for sid, g in train.groupby(ID, sort=False)}
    for sid, g in hold.groupby(ID, sort=False):
        scales[sid] = seasonal_naive_scale(histories[sid], season)
        baseline += seasonal_naive_forecast(histories[sid], len(g), season).tolist()
    n_series = int(train[ID].nunique())
    findings.append(f'Holding out the last {steps} {freq.label} step(s) of {"each of " + str(n_series) + " series" if n_series > 1 else "the series"} '
                    f'for the final check; experiments train on the {len(train)} earlier points.')

    forecast = {
        'dateColumn': date_column, 'idColumn': id_column, 'frequency': freq.alias, 'frequencyLabel': freq.label,
        'seasonLength': season, 'horizon': steps, 'series': n_series, 'positive': positive, 'exog': exog,
        'trainEnd': train[DS].max().isoformat(), 'holdoutStart': hold[DS].min().isoformat(),
        'diagnoses': diagnoses,
    }
    os.makedirs(workspace, exist_ok=True)
    write_parquet(train, os.path.join(workspace, 'train.parquet'))
    write_json(os.path.join(workspace, 'schema.json'), {
        'target': target, 'task': 'forecast', 'metric': metric, 'classes': None, 'seed': int(seed),
        'features': [], 'dropped': [], 'forecast': forecast, 'harness': HARNESS_VERSION,
    })
    # The holdout's features are what a caller knows ahead: the series, the dates, the exog values.
    features = pd.DataFrame({DS: hold[DS].dt.strftime('%Y-%m-%dT%H:%M:%S')})
    features.insert(0, ID, hold[ID])
    for c in exog:
        features[c] = hold[c]
    features = features.rename(columns={ID: id_column or ID, DS: date_column})
    if id_column is None:
        features = features.drop(columns=[ID])
    write_parquet(features, os.path.join(holdout, 'features.parquet'))
    write_json(os.path.join(vault, 'labels.json'), {
        'labels': hold[Y].astype(float).tolist(), 'series': hold[ID].tolist(),
        'scales': scales, 'baseline': baseline, 'season': season,
    })
    analysis = {
        'target': target, 'task': 'forecast', 'trainRows': int(len(train)), 'holdoutRows': int(len(hold)),
        'droppedRows': dropped_rows, 'classCounts': None, 'classes': None,
        'targetMean': float(train[Y].mean()), 'targetStd': float(train[Y].std(ddof=0)),
        'leakageSuspects': [], 'findings': findings, 'forecast': forecast,
    }
    write_json(os.path.join(vault, 'analysis.json'), analysis)
    return analysis
