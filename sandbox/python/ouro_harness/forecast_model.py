"""The saved forecasting model: a fitted forecaster, the training history it forecasts from,
and the signature. `forecast()` answers "the next H values" (optionally from newer
observations); `predict(rows)` fills in rows that name a series and a future date, which is how
the holdout is scored with the same `predict` step as tabular models."""

import numpy as np
import pandas as pd

from .convert import as_text, parse_datetime
from .errors import InputError, MissingColumnError
from .clean import as_frame
from .series_checks import DS, ID, Y

MAX_STEPS = 10_000


class OuroForecastModel:
    task = 'forecast'
    classes = None
    has_proba = False

    def __init__(self, forecaster, history: pd.DataFrame, signature: dict):
        self.forecaster = forecaster
        self.history = history
        self.signature = signature

    @property
    def info(self) -> dict:
        return self.signature['forecast']

    def _series(self, series):
        known = list(self.history[ID].unique())
        if series is None:
            return known
        wanted = [str(s) for s in ([series] if isinstance(series, str) else series)]
        unknown = [s for s in wanted if s not in known]
        if unknown:
            shown = ', '.join(repr(k) for k in known[:20])
            raise InputError('input_columns', f'unknown series {unknown[0]!r}; the model knows {shown}')
        return wanted

    def forecast(self, horizon: int | None = None, series=None, history: pd.DataFrame | None = None,
                 future: pd.DataFrame | None = None) -> pd.DataFrame:
        """DataFrame[unique_id, ds, yhat, (lo, hi)] for `horizon` steps (default: the run's)
        past the end of each series. `history` (unique_id, ds, y) adds newer observations: they
        extend or overwrite the stored history, and the forecast starts after them."""
        h = int(horizon or self.info['horizon'])
        if not 1 <= h <= MAX_STEPS:
            raise InputError('input_columns', f'horizon must be between 1 and {MAX_STEPS}, not {h}')
        if history is None:
            ids = self._series(series)
            if future is not None and len(ids) < self.history[ID].nunique():
                # Future exogenous values come for the asked series only: forecast just those.
                return self.forecaster.predict_from(self.history[self.history[ID].isin(ids)], h, future)
            out = self.forecaster.predict(h, future)
            return out[out[ID].isin(ids)].reset_index(drop=True)
        new = history.copy()
        new[ID] = new[ID].astype(str)
        combined = pd.concat([self.history[self.history[ID].isin(new[ID].unique())][[ID, DS, Y]], new[[ID, DS, Y]]])
        combined = combined.drop_duplicates([ID, DS], keep='last').sort_values([ID, DS]).reset_index(drop=True)
        return self.forecaster.predict_from(self._regular(combined), h, future)

    def _regular(self, df: pd.DataFrame) -> pd.DataFrame:
        """Newer observations must sit on the model's calendar; missing steps are interpolated."""
        freq = self.info['frequency']
        parts = []
        for sid, g in df.groupby(ID, sort=False):
            grid = pd.date_range(g[DS].iloc[0], g[DS].iloc[-1], freq=freq)
            off = g.loc[~g[DS].isin(grid), DS]
            if len(off):
                raise InputError('input_columns', f'history date {off.iloc[0]:%Y-%m-%d %H:%M} is not on the model\'s '
                                 f'{self.info["frequencyLabel"]} calendar ({freq})')
            full = g.set_index(DS).reindex(grid)
            full[Y] = full[Y].interpolate(limit_direction='both')
            full[ID] = sid
            full.index.name = DS
            parts.append(full.reset_index()[[ID, DS, Y]])
        return pd.concat(parts, ignore_index=True)

    def refit_with(self, newer: pd.DataFrame) -> 'OuroForecastModel':
        """A copy fitted on the stored history plus `newer` (unique_id, ds, y): after the
        holdout is scored, the served model forecasts from the end of all the data."""
        full = pd.concat([self.history, newer], ignore_index=True)
        full = full.drop_duplicates([ID, DS], keep='last').sort_values([ID, DS], kind='stable').reset_index(drop=True)
        forecaster = self.forecaster.clone().fit(full)
        signature = dict(self.signature)
        last = full.groupby(ID, sort=False)[DS].max()
        signature['forecast'] = {**self.info, 'series': [{'id': str(s), 'last': d.isoformat()} for s, d in last.items()]}
        return OuroForecastModel(forecaster, full, signature)

    def predict(self, data) -> np.ndarray:
        """The forecast for each row's (series, date); rows must lie after the training end."""
        rows = as_frame(data)
        info = self.info
        date_col, id_col = info['dateColumn'], info['idColumn']
        if date_col not in rows.columns:
            raise MissingColumnError(date_col, list(rows.columns))
        if id_col is not None and id_col not in rows.columns:
            raise MissingColumnError(id_col, list(rows.columns))
        ds = parse_datetime(as_text(rows[date_col]), 'iso')[0]
        sid = as_text(rows[id_col]).astype(str) if id_col else pd.Series(self.history[ID].iloc[0], index=rows.index)
        wanted = pd.DataFrame({ID: sid.to_numpy(), DS: ds.to_numpy()})
        last = self.history.groupby(ID)[DS].max()
        ids = self._series(sorted(wanted[ID].unique()))
        steps = 1
        for s in ids:
            target = wanted.loc[wanted[ID] == s, DS].max()
            steps = max(steps, len(pd.date_range(last[s], target, freq=info['frequency'])) - 1)
        future = None
        if info.get('exog'):
            future = pd.DataFrame({ID: wanted[ID], DS: wanted[DS]})
            for c in info['exog']:
                if c not in rows.columns:
                    raise MissingColumnError(c, list(rows.columns))
                future[c] = pd.to_numeric(rows[c], errors='coerce').to_numpy(dtype=float)
        out = self.forecast(horizon=max(steps, 1), series=ids, future=future)
        merged = wanted.merge(out[[ID, DS, 'yhat']], on=[ID, DS], how='left')
        return merged['yhat'].to_numpy(dtype=float)
