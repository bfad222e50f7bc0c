"""Forecasters the generated forecasting scripts compose. Each takes a long frame
(`unique_id`, `ds`, `y`, exogenous columns) and forecasts `h` steps past the end of every
series:

    fit(df) -> self
    predict(h, future=None) -> DataFrame[unique_id, ds, yhat, (lo, hi)]
    predict_from(history, h, future=None)   # forecast from other (newer) observations
    clone()                                 # an unfitted copy with the same settings

`future` holds the exogenous columns for the forecast dates (unique_id, ds, exog...).
Intervals (`lo`, `hi`) are at `level` percent where the family gives them."""

import warnings

import numpy as np
import pandas as pd

from .series_checks import DS, ID, Y

Z80 = 1.2815515655446004


def future_dates(last: pd.Timestamp, h: int, freq: str) -> pd.DatetimeIndex:
    return pd.date_range(start=last, periods=h + 1, freq=freq)[1:]


def _frame(rows: list) -> pd.DataFrame:
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[ID, DS, 'yhat'])


class Forecaster:
    intervals = False

    def __init__(self, freq: str, season: int = 1, **settings):
        self.freq = freq
        self.season = max(1, int(season))
        self.settings = settings

    def params(self) -> dict:
        return {'freq': self.freq, 'season': self.season, **self.settings}

    def clone(self):
        return type(self)(**self.params())

    @property
    def fitted(self) -> bool:
        return any(k.endswith('_') and not k.startswith('_') for k in vars(self))

    def fit(self, df: pd.DataFrame):
        raise NotImplementedError

    def predict(self, h: int, future: pd.DataFrame | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def predict_from(self, history: pd.DataFrame, h: int, future: pd.DataFrame | None = None) -> pd.DataFrame:
        return self.clone().fit(history).predict(h, future)

    def describe(self) -> str:
        return type(self).__name__


class SeasonalNaive(Forecaster):
    """Repeats the last season; intervals from the spread of the in-sample seasonal errors."""

    intervals = True

    def fit(self, df):
        self.state_ = {}
        for sid, g in df.groupby(ID, sort=False):
            y = g[Y].to_numpy(dtype=float)
            m = self.season if len(y) > self.season else 1
            errors = y[m:] - y[:-m] if len(y) > m else np.zeros(1)
            self.state_[sid] = (g[DS].iloc[-1], y[-m:], float(np.std(errors)), m)
        return self

    def predict(self, h, future=None):
        rows = []
        for sid, (last, tail, sd, m) in self.state_.items():
            k = np.arange(h)
            yhat = tail[k % m]
            width = Z80 * sd * np.sqrt(k // m + 1)
            rows.append(pd.DataFrame({ID: sid, DS: future_dates(last, h, self.freq), 'yhat': yhat,
                                      'lo': yhat - width, 'hi': yhat + width}))
        return _frame(rows)


class StatsForecaster(Forecaster):
    """AutoETS, AutoTheta or AutoARIMA from statsforecast, one model per series."""

    intervals = True
    KINDS = ('ets', 'theta', 'arima')

    def __init__(self, freq: str, season: int = 1, kind: str = 'ets', positive: bool = True, **settings):
        if kind not in self.KINDS:
            raise ValueError(f'kind must be one of {self.KINDS}, not {kind!r}')
        super().__init__(freq, season, kind=kind, positive=positive, **settings)

    def _model(self):
        from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

        kind, m = self.settings['kind'], self.season
        extra = {k: v for k, v in self.settings.items() if k not in ('kind', 'positive')}
        if kind == 'ets':
            # Multiplicative error, trend or season need y > 0.
            default = 'ZZZ' if self.settings['positive'] else ('AZA' if m > 1 else 'AZN')
            return AutoETS(season_length=m, model=extra.pop('model', default), **extra)
        if kind == 'theta':
            return AutoTheta(season_length=m, **extra)
        # The exact likelihood search takes ~30 s on 500 monthly points; the approximation ~1 s.
        return AutoARIMA(season_length=m, **{'approximation': True, **extra})

    def fit(self, df):
        from statsforecast import StatsForecast

        self.sf_ = StatsForecast(models=[self._model()], freq=self.freq, n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            self.sf_.fit(df[[ID, DS, Y]])
        return self

    def predict(self, h, future=None):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            out = self.sf_.predict(h=h, level=[80])
        out = out.reset_index() if ID not in out.columns else out
        name = [c for c in out.columns if c not in (ID, DS) and '-lo-' not in c and '-hi-' not in c][0]
        return pd.DataFrame({ID: out[ID].astype(str), DS: pd.to_datetime(out[DS]), 'yhat': out[name].astype(float),
                             'lo': out[f'{name}-lo-80'].astype(float), 'hi': out[f'{name}-hi-80'].astype(float)})

    def describe(self):
        return {'ets': 'AutoETS', 'theta': 'AutoTheta', 'arima': 'AutoARIMA'}[self.settings['kind']]


def _calendar(ds: pd.DatetimeIndex, freq: str) -> dict:
    out = {'month': ds.month, 'quarter': ds.quarter}
    if not freq.startswith(('MS', 'ME', 'QS', 'QE', 'YS', 'YE')):
        out.update({'dayofweek': ds.dayofweek, 'dayofyear': ds.dayofyear})
    if freq in ('h', '30min'):
        out.update({'hour': ds.hour, 'minute': ds.minute})
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


class LightGBMForecaster(Forecaster):
    """Gradient boosting on lags, rolling means and calendar features, applied recursively.
    Each window is scaled by its recent level (divided when y > 0, subtracted otherwise), so
    trees that cannot extrapolate still follow a trend."""

    def __init__(self, freq: str, season: int = 1, positive: bool = True, lags: int | None = None,
                 exog: tuple = (), **settings):
        super().__init__(freq, season, positive=positive, lags=lags, exog=tuple(exog), **settings)

    @property
    def n_lags(self) -> int:
        return int(self.settings['lags'] or max(self.season, 7 if self.season == 1 else self.season))

    def _features(self, window: np.ndarray, ds: pd.DatetimeIndex, codes: np.ndarray, exog: dict):
        """window: (rows, n_lags) most recent last. Returns (X, level)."""
        level_n = min(self.season, window.shape[1]) if self.season > 1 else min(3, window.shape[1])
        level = window[:, -level_n:].mean(axis=1)
        positive = self.settings['positive']
        if positive:
            level = np.maximum(level, 1e-9)
        scaled = window / level[:, None] if positive else window - level[:, None]
        cols = {f'lag_{k}': scaled[:, -k] for k in range(1, window.shape[1] + 1)}
        for w in (3, self.season):
            if 1 < w <= window.shape[1]:
                cols[f'mean_{w}'] = scaled[:, -w:].mean(axis=1)
        cols.update(_calendar(ds, self.freq))
        cols['series'] = codes.astype(float)
        for c in self.settings['exog']:
            cols[c] = np.asarray(exog[c], dtype=float)
        return pd.DataFrame(cols), level

    def fit(self, df):
        from lightgbm import LGBMRegressor

        L = self.n_lags
        self.codes_ = {sid: i for i, sid in enumerate(df[ID].unique())}
        Xs, ts = [], []
        for sid, g in df.groupby(ID, sort=False):
            y = g[Y].to_numpy(dtype=float)
            if len(y) <= L:
                continue
            idx = np.arange(L, len(y))
            window = np.stack([y[i - L:i] for i in idx])
            exog = {c: g[c].to_numpy()[idx] for c in self.settings['exog']}
            X, level = self._features(window, pd.DatetimeIndex(g[DS].to_numpy()[idx]), np.full(len(idx), self.codes_[sid]), exog)
            target = y[idx] / level if self.settings['positive'] else y[idx] - level
            Xs.append(X)
            ts.append(target)
        if not Xs:
            raise ValueError(f'every series is shorter than the {L} lags this model needs')
        params = {'n_estimators': 300, 'learning_rate': 0.05, 'num_leaves': 15, 'min_child_samples': 5,
                  'subsample': 0.9, 'subsample_freq': 1, 'colsample_bytree': 0.9, 'verbose': -1, 'n_jobs': 1,
                  'random_state': 0}
        params.update({k: v for k, v in self.settings.items() if k not in ('positive', 'lags', 'exog')})
        self.model_ = LGBMRegressor(**params).fit(pd.concat(Xs, ignore_index=True), np.concatenate(ts))
        self.history_ = df[[ID, DS, Y]].copy()
        return self

    def predict(self, h, future=None):
        return self._recurse(self.history_, h, future)

    def predict_from(self, history, h, future=None):
        return self._recurse(history, h, future)

    def _recurse(self, history, h, future):
        L = self.n_lags
        rows = []
        for sid, g in history.groupby(ID, sort=False):
            y = list(g[Y].to_numpy(dtype=float))
            dates = future_dates(g[DS].iloc[-1], h, self.freq)
            exog_future = self._exog_for(sid, dates, future)
            code = self.codes_.get(sid, -1)
            preds = []
            for k in range(h):
                window = np.asarray(y[-L:], dtype=float)
                if len(window) < L:
                    window = np.concatenate([np.full(L - len(window), window[0]), window])
                X, level = self._features(window[None, :], dates[k:k + 1], np.array([code]),
                                          {c: exog_future[c][k:k + 1] for c in self.settings['exog']})
                step = float(self.model_.predict(X)[0])
                value = step * level[0] if self.settings['positive'] else step + level[0]
                preds.append(value)
                y.append(value)
            rows.append(pd.DataFrame({ID: sid, DS: dates, 'yhat': preds}))
        return _frame(rows)

    def _exog_for(self, sid, dates, future) -> dict:
        names = self.settings['exog']
        if not names:
            return {}
        if future is None:
            raise ValueError(f'this model uses the exogenous columns {list(names)}; pass their future values')
        f = future[future[ID].astype(str) == str(sid)].set_index(DS).reindex(dates)
        missing = [c for c in names if c not in f.columns or f[c].isna().any()]
        if missing:
            raise ValueError(f'future values of {missing} are missing for series {sid!r} on some forecast dates')
        return {c: f[c].to_numpy(dtype=float) for c in names}

    def describe(self):
        return 'LightGBM (recursive, lags + calendar)'


class EnsembleForecaster(Forecaster):
    """The mean of its members' forecasts (and of their intervals when all give them)."""

    def __init__(self, members: list, freq: str | None = None, season: int = 1, **settings):
        self.members = list(members)
        super().__init__(freq or self.members[0].freq, season, **settings)
        self.intervals = all(m.intervals for m in self.members)

    def params(self):
        return {'members': [m.clone() for m in self.members], 'freq': self.freq, 'season': self.season, **self.settings}

    @property
    def fitted(self) -> bool:
        return all(m.fitted for m in self.members)

    def fit(self, df):
        for m in self.members:
            m.fit(df)
        return self

    def _combine(self, outs):
        base = outs[0][[ID, DS]].copy()
        for col in ('yhat', 'lo', 'hi') if self.intervals else ('yhat',):
            base[col] = np.mean([o[col].to_numpy(dtype=float) for o in outs], axis=0)
        return base

    def predict(self, h, future=None):
        return self._combine([m.predict(h, future) for m in self.members])

    def predict_from(self, history, h, future=None):
        return self._combine([m.predict_from(history, h, future) for m in self.members])

    def describe(self):
        return 'mean of ' + ' + '.join(m.describe() for m in self.members)
