"""Forecasting: the time-ordered split, frequency inference, the five series diagnoses, the
rolling-origin CV, and the saved model answering for the holdout and for new observations."""

import math
import os

import numpy as np
import pandas as pd
import pytest

from conftest import read_json, validate_with_zod, write_file
from ouro_harness.errors import InputError
from ouro_harness.forecast_split import check_time_order
from ouro_harness.series_checks import DS, ID, Y, Frequency, horizon_steps, infer_frequency
from ouro_harness.tables import read_parquet

BENCH = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'bench', 'datasets')


def _series_csv(dates, values, ids=None, extra=None) -> str:
    lines = [('id,' if ids is not None else '') + 'date,value' + (',' + ','.join(extra) if extra else '')]
    for i, (d, v) in enumerate(zip(dates, values)):
        cells = ([ids[i]] if ids is not None else []) + [str(d), '' if v is None else repr(float(v))]
        cells += [f'{extra[c][i]:g}' for c in extra] if extra else []
        lines.append(','.join(cells))
    return '\n'.join(lines) + '\n'


def _monthly(n, start='2015-01-01', level=100.0, seed=0, positive=True):
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n, freq='MS')
    t = np.arange(n)
    values = level + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n)
    if not positive:
        values = values - level
    return [d.strftime('%Y-%m-%d') for d in dates], values.tolist()


def _prepare_and_split(cli, tmp_path, text, horizon=6, unit='month', id_column=None, target='value'):
    path = write_file(tmp_path, 'data.csv', text)
    code, _, err = cli('inspect', '--input', path, '--profile', tmp_path / 'profile.json', '--table', tmp_path / 'table.parquet')
    assert code == 0, err
    args = ['split', '--table', tmp_path / 'table.parquet', '--profile', tmp_path / 'profile.json', '--target', target,
            '--task', 'forecast', '--metric', 'mase', '--date-column', 'date', '--workspace', tmp_path / 'workspace',
            '--holdout', tmp_path / 'holdout', '--vault', tmp_path / 'vault']
    if horizon is not None:
        args += ['--horizon', horizon, '--horizon-unit', unit]
    if id_column:
        args += ['--id-column', id_column]
    return cli(*args)


def _classes(tmp_path):
    return [d['class'] for d in read_json(tmp_path / 'vault' / 'analysis.json')['forecast']['diagnoses']]


# ---------------------------------------------------------------------------------------------
# frequency inference and horizons
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('freq, label, season', [
    ('D', 'daily', 7), ('W-MON', 'weekly', 52), ('MS', 'monthly', 12), ('ME', 'monthly', 12),
    ('QS-JAN', 'quarterly', 4), ('h', 'hourly', 24), ('30min', 'half-hourly', 48),
])
def test_frequency_is_inferred_from_the_dates(freq, label, season):
    dates = pd.date_range('2020-01-06', periods=40, freq=freq)
    inferred = infer_frequency(pd.DataFrame({ID: 'a', DS: dates, Y: 1.0}))
    assert (inferred.label, inferred.season) == (label, season)
    # The inferred alias rebuilds exactly the same calendar.
    assert pd.date_range(dates[0], periods=40, freq=inferred.alias).equals(dates)


@pytest.mark.parametrize('n, unit, freq, steps', [
    (12, 'month', Frequency('MS', 'monthly', 12, None, 1), 12),
    (1, 'year', Frequency('QS-JAN', 'quarterly', 4, None, 3), 4),
    (2, 'quarter', Frequency('MS', 'monthly', 12, None, 1), 6),
    (12, 'week', Frequency('W-SUN', 'weekly', 52, 168.0, None), 12),
    (2, 'day', Frequency('h', 'hourly', 24, 1.0, None), 48),
    (None, None, Frequency('MS', 'monthly', 12, None, 1), 12),
])
def test_horizon_converts_to_steps_of_the_data(n, unit, freq, steps):
    assert horizon_steps(n, unit, freq) == steps


def test_horizon_that_is_no_whole_number_of_steps_is_refused():
    with pytest.raises(InputError) as err:
        horizon_steps(2, 'month', Frequency('QS-JAN', 'quarterly', 4, None, 3))
    assert err.value.code == 'series_unusable' and 'quarterly' in err.value.message


# ---------------------------------------------------------------------------------------------
# the split
# ---------------------------------------------------------------------------------------------

def test_single_series_split_holds_out_the_last_horizon(cli, tmp_path):
    dates, values = _monthly(60)
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, values), horizon=12)
    assert code == 0, err
    train = read_parquet(tmp_path / 'workspace' / 'train.parquet')
    hold = read_parquet(tmp_path / 'holdout' / 'features.parquet')
    labels = read_json(tmp_path / 'vault' / 'labels.json')
    assert len(train) == 48 and len(hold) == 12
    assert 'value' not in hold.columns and list(hold.columns) == ['date']
    assert labels['labels'] == pytest.approx(values[-12:])
    assert pd.to_datetime(train[DS]).max() < pd.to_datetime(hold['date']).min()
    analysis = read_json(tmp_path / 'vault' / 'analysis.json')
    assert analysis['forecast']['frequency'] == 'MS' and analysis['forecast']['seasonLength'] == 12
    validate_with_zod('TargetAnalysisSchema', tmp_path / 'vault' / 'analysis.json')
    # The vault's seasonal naive baseline repeats the last training season.
    assert labels['baseline'] == pytest.approx(values[36:48])


def test_no_holdout_timestamp_precedes_a_training_timestamp_of_its_series(cli, tmp_path):
    """Panel with series of different lengths and start dates, rows shuffled in the file."""
    rng = np.random.default_rng(3)
    rows = []
    for sid, (start, n) in {'north': ('2010-01-01', 70), 'south': ('2012-06-01', 40), 'east': ('2014-03-01', 25)}.items():
        d, v = _monthly(n, start=start, seed=len(sid))
        rows += [(sid, a, b) for a, b in zip(d, v)]
    order = rng.permutation(len(rows))
    ids = [rows[i][0] for i in order]
    text = _series_csv([rows[i][1] for i in order], [rows[i][2] for i in order], ids=ids)
    code, _, err = _prepare_and_split(cli, tmp_path, text, horizon=6, id_column='id')
    assert code == 0, err
    train = read_parquet(tmp_path / 'workspace' / 'train.parquet')
    hold = read_parquet(tmp_path / 'holdout' / 'features.parquet')
    hold_dates = pd.to_datetime(hold['date'])
    for sid in ('north', 'south', 'east'):
        train_max = pd.to_datetime(train.loc[train[ID] == sid, DS]).max()
        held = hold_dates[hold['id'] == sid]
        assert len(held) == 6, sid
        assert held.min() > train_max, sid
    labels = read_json(tmp_path / 'vault' / 'labels.json')
    assert labels['series'] == hold['id'].tolist()
    assert set(labels['scales']) == {'north', 'south', 'east'}


def test_time_order_check_fails_on_a_holdout_that_overlaps_training():
    train = pd.DataFrame({ID: ['a', 'a', 'b'], DS: pd.to_datetime(['2020-01-01', '2020-02-01', '2020-01-01']), Y: 1.0})
    hold = pd.DataFrame({ID: ['a', 'b'], DS: pd.to_datetime(['2020-03-01', '2019-12-01']), Y: 1.0})
    with pytest.raises(AssertionError, match="'b'"):
        check_time_order(train, hold)


# ---------------------------------------------------------------------------------------------
# the five diagnoses
# ---------------------------------------------------------------------------------------------

def test_irregular_timestamps_are_refused_with_a_fix(cli, tmp_path):
    rng = np.random.default_rng(0)
    days = np.cumsum(rng.integers(1, 40, 80))
    dates = [(pd.Timestamp('2020-01-01') + pd.Timedelta(days=int(d))).strftime('%Y-%m-%d') for d in days]
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, rng.normal(10, 1, 80).tolist()))
    assert code == 3
    assert 'series_unusable' in err and 'irregular_timestamps' in err and 'Aggregate' in err


def test_off_calendar_timestamps_are_irregular(cli, tmp_path):
    dates, values = _monthly(40)
    dates[20] = dates[20][:8] + '15'  # one mid-month date among first-of-month dates
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, values))
    assert code == 3 and 'irregular_timestamps' in err


def test_duplicate_timestamps_are_averaged(cli, tmp_path):
    dates, values = _monthly(40)
    dates.insert(10, dates[10])
    values.insert(10, values[10] + 20)
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, values))
    assert code == 0, err
    assert 'duplicate_timestamps' in _classes(tmp_path)
    train = read_parquet(tmp_path / 'workspace' / 'train.parquet')
    assert not train.duplicated([ID, DS]).any() and len(train) == 40 - 6
    assert train[Y].iloc[10] == pytest.approx(values[10] - 10)


def test_gaps_are_filled_by_interpolation(cli, tmp_path):
    dates, values = _monthly(40)
    del dates[15:18], values[15:18]
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, values))
    assert code == 0, err
    assert 'gaps' in _classes(tmp_path)
    train = read_parquet(tmp_path / 'workspace' / 'train.parquet')
    assert len(train) == 40 - 6
    assert pd.Series(pd.to_datetime(train[DS])).diff().dropna().dt.days.between(28, 31).all()
    assert train[Y].notna().all()
    assert values[14] < train[Y].iloc[16] < values[15] or values[15] < train[Y].iloc[16] < values[14]


def test_series_too_short_for_the_season_drops_the_season(cli, tmp_path):
    dates, values = _monthly(26)
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, values), horizon=6)
    assert code == 0, err
    assert 'series_too_short_for_season' in _classes(tmp_path)
    assert read_json(tmp_path / 'workspace' / 'schema.json')['forecast']['seasonLength'] == 1


def test_a_series_too_short_to_hold_anything_out_is_refused(cli, tmp_path):
    dates, values = _monthly(10)
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, values), horizon=6)
    assert code == 3 and 'series_too_short' in err


def test_non_positive_values_rule_out_multiplicative_models(cli, tmp_path, monkeypatch):
    dates, values = _monthly(60, positive=False)
    assert min(values) <= 0
    code, _, err = _prepare_and_split(cli, tmp_path, _series_csv(dates, values), horizon=6)
    assert code == 0, err
    assert 'non_positive_for_multiplicative' in _classes(tmp_path)
    assert read_json(tmp_path / 'workspace' / 'schema.json')['forecast']['positive'] is False
    monkeypatch.setenv('OURO_DATA_DIR', str(tmp_path / 'workspace'))
    from ouro_harness.forecast_api import forecast_info, load_series
    from ouro_harness.forecasters import StatsForecaster
    info = forecast_info()
    model = StatsForecaster(info['frequency'], info['season_length'], kind='ets', positive=info['positive'])
    assert model._model().model == 'AZA'  # additive error and season
    assert model.fit(load_series()).predict(6)['yhat'].notna().all()


# ---------------------------------------------------------------------------------------------
# rolling-origin CV and the saved model
# ---------------------------------------------------------------------------------------------

class SpyForecaster:
    """Records the last training date of every fit and the dates it was asked to forecast."""

    intervals = False
    seen = []

    def __init__(self, freq, season=1):
        self.freq, self.season = freq, season

    def clone(self):
        return SpyForecaster(self.freq, self.season)

    def fit(self, df):
        self.last_ = df.groupby(ID)[DS].max()
        self.values_ = df.groupby(ID)[Y].last()
        return self

    def predict(self, h, future=None):
        rows = []
        for sid, last in self.last_.items():
            dates = pd.date_range(last, periods=h + 1, freq=self.freq)[1:]
            SpyForecaster.seen.append((last, dates.min()))
            rows.append(pd.DataFrame({ID: sid, DS: dates, 'yhat': self.values_[sid]}))
        return pd.concat(rows, ignore_index=True)


def test_rolling_origin_cv_never_trains_on_what_it_scores(cli, tmp_path, monkeypatch):
    dates, values = _monthly(60)
    assert _prepare_and_split(cli, tmp_path, _series_csv(dates, values), horizon=6)[0] == 0
    monkeypatch.setenv('OURO_DATA_DIR', str(tmp_path / 'workspace'))
    from ouro_harness.forecast_api import load_series, rolling_origin_cv
    SpyForecaster.seen = []
    scores = rolling_origin_cv(SpyForecaster('MS'), load_series(), folds=3)
    assert scores['folds'] == 3 and scores['metric'] == 'mase'
    assert set(scores['all']) == {'mase', 'smape', 'rmse'}
    assert all(last < first for last, first in SpyForecaster.seen)
    assert len({last for last, _ in SpyForecaster.seen}) == 3  # three distinct origins


def test_saved_model_forecasts_the_holdout_and_from_new_observations(cli, tmp_path, monkeypatch):
    rows = []
    for sid, start in (('a', '2012-01-01'), ('b', '2013-01-01')):
        d, v = _monthly(48, start=start, level=50 if sid == 'a' else 500, seed=ord(sid))
        rows += [(sid, x, y) for x, y in zip(d, v)]
    text = _series_csv([r[1] for r in rows], [r[2] for r in rows], ids=[r[0] for r in rows])
    assert _prepare_and_split(cli, tmp_path, text, horizon=6, id_column='id')[0] == 0
    monkeypatch.setenv('OURO_DATA_DIR', str(tmp_path / 'workspace'))
    monkeypatch.chdir(tmp_path)
    from ouro_harness.forecast_api import forecast_info, load_series, rolling_origin_cv, save_forecaster
    from ouro_harness.forecasters import SeasonalNaive, StatsForecaster
    info = forecast_info()
    series = load_series()
    model = StatsForecaster(info['frequency'], info['season_length'], kind='ets', positive=info['positive'])
    cv = rolling_origin_cv(model, series)
    base = rolling_origin_cv(SeasonalNaive(info['frequency'], info['season_length']), series)
    assert cv['mean'] < base['mean']  # a trend the seasonal naive forecast cannot follow
    save_forecaster(model.fit(series), series)
    code, _, err = cli('predict', '--model', tmp_path / 'model', '--input', tmp_path / 'holdout' / 'features.parquet',
                       '--out', tmp_path / 'pred.json')
    assert code == 0, err
    predicted = np.array(read_json(tmp_path / 'pred.json')['predictions'])
    actual = np.array(read_json(tmp_path / 'vault' / 'labels.json')['labels'])
    assert len(predicted) == 12 and np.isfinite(predicted).all()
    # Per series: series b lives around 500, a around 50.
    assert np.all(np.abs(predicted - actual) < 0.2 * np.abs(actual))
    signature = read_json(tmp_path / 'model' / 'signature.json')
    assert signature['task'] == 'forecast' and [s['id'] for s in signature['forecast']['series']] == ['a', 'b']
    from ouro_harness.predict import load_model
    saved = load_model(tmp_path / 'model')
    out = saved.forecast(horizon=3, series='b')
    assert len(out) == 3 and (out[ID] == 'b').all() and {'lo', 'hi'} <= set(out.columns)
    assert (out['lo'] <= out['yhat']).all() and (out['yhat'] <= out['hi']).all()
    last = pd.Timestamp(signature['forecast']['series'][1]['last'])
    newer = pd.DataFrame({ID: 'b', DS: pd.date_range(last, periods=3, freq='MS')[1:], Y: [900.0, 910.0]})
    moved = saved.forecast(horizon=2, history=newer)
    assert moved[DS].min() > newer[DS].max()
    assert moved['yhat'].mean() > out['yhat'].mean() + 100  # the new, higher level is followed


def test_air_passengers_theta_beats_seasonal_naive_on_the_holdout(cli, tmp_path, monkeypatch):
    path = os.path.join(BENCH, 'air_passengers.csv')
    code, _, err = cli('inspect', '--input', path, '--profile', tmp_path / 'profile.json', '--table', tmp_path / 'table.parquet')
    assert code == 0, err
    code, _, err = cli('split', '--table', tmp_path / 'table.parquet', '--profile', tmp_path / 'profile.json',
                       '--target', 'passengers', '--task', 'forecast', '--metric', 'mase', '--date-column', 'month',
                       '--horizon', 12, '--horizon-unit', 'month', '--workspace', tmp_path / 'workspace',
                       '--holdout', tmp_path / 'holdout', '--vault', tmp_path / 'vault')
    assert code == 0, err
    monkeypatch.setenv('OURO_DATA_DIR', str(tmp_path / 'workspace'))
    monkeypatch.chdir(tmp_path)
    from ouro_harness.forecast_api import forecast_info, load_series, save_forecaster
    from ouro_harness.forecasters import StatsForecaster
    info = forecast_info()
    series = load_series()
    save_forecaster(StatsForecaster(info['frequency'], 12, kind='theta').fit(series), series)
    assert cli('predict', '--model', tmp_path / 'model', '--input', tmp_path / 'holdout' / 'features.parquet',
               '--out', tmp_path / 'pred.json')[0] == 0
    vault = read_json(tmp_path / 'vault' / 'labels.json')
    actual = np.array(vault['labels'])
    scale = vault['scales']['series']
    mase = np.mean(np.abs(np.array(read_json(tmp_path / 'pred.json')['predictions']) - actual)) / scale
    naive = np.mean(np.abs(np.array(vault['baseline']) - actual)) / scale
    assert math.isfinite(mase) and mase < naive


def test_lightgbm_uses_exogenous_columns_known_ahead(cli, tmp_path, monkeypatch):
    """A promotion column drives the series; the model must read its future values."""
    rng = np.random.default_rng(5)
    n = 200
    dates = [d.strftime('%Y-%m-%d') for d in pd.date_range('2020-01-01', periods=n, freq='D')]
    promo = (rng.random(n) < 0.3).astype(float)
    values = (100 + 40 * promo + rng.normal(0, 1, n)).tolist()
    text = _series_csv(dates, values, extra={'promo': promo})
    assert _prepare_and_split(cli, tmp_path, text, horizon=14, unit='day')[0] == 0
    monkeypatch.setenv('OURO_DATA_DIR', str(tmp_path / 'workspace'))
    monkeypatch.chdir(tmp_path)
    from ouro_harness.forecast_api import forecast_info, load_series, rolling_origin_cv, save_forecaster
    from ouro_harness.forecasters import LightGBMForecaster, SeasonalNaive
    info = forecast_info()
    assert info['exog'] == ['promo'] and info['frequency_label'] == 'daily'
    series = load_series()
    model = LightGBMForecaster(info['frequency'], info['season_length'], positive=info['positive'], exog=info['exog'])
    with_exog = rolling_origin_cv(model, series)
    naive = rolling_origin_cv(SeasonalNaive(info['frequency'], info['season_length']), series)
    assert with_exog['mean'] < 0.5 * naive['mean']
    save_forecaster(model.fit(series), series)
    assert cli('predict', '--model', tmp_path / 'model', '--input', tmp_path / 'holdout' / 'features.parquet',
               '--out', tmp_path / 'pred.json')[0] == 0
    predicted = np.array(read_json(tmp_path / 'pred.json')['predictions'])
    held_promo = read_parquet(tmp_path / 'holdout' / 'features.parquet')['promo'].to_numpy()
    assert predicted[held_promo == 1].mean() > predicted[held_promo == 0].mean() + 25
    from ouro_harness.predict import load_model
    with pytest.raises(ValueError, match='future values'):
        load_model(tmp_path / 'model').forecast(horizon=3)
