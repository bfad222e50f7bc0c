"""Time-series checks for forecasting: infer the frequency of the date column and diagnose
what would break a forecast — irregular timestamps, duplicate timestamps, gaps, series too
short for their season, non-positive values for multiplicative models. Each diagnosis says
what was seen and the fix ouro applies (or asks for)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError

ID, DS, Y = 'unique_id', 'ds', 'y'


@dataclass(frozen=True)
class Frequency:
    alias: str          # pandas offset alias, also what statsforecast takes
    label: str          # 'monthly', 'hourly', ...
    season: int         # the usual seasonal period in steps
    hours: float | None  # length in hours for sub-month frequencies
    months: int | None  # length in months for month-based frequencies


_QUARTER_MONTHS = {1: 'JAN', 2: 'FEB', 3: 'MAR', 4: 'APR', 5: 'MAY', 6: 'JUN', 7: 'JUL', 8: 'AUG', 9: 'SEP',
                   10: 'OCT', 11: 'NOV', 12: 'DEC'}
_WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']


def diagnosis(cls: str, evidence: str, fix: str) -> dict:
    return {'class': cls, 'evidence': evidence, 'fix': fix}


def _month_based(dates: pd.DatetimeIndex, months: int) -> str:
    day1 = bool((dates.day == 1).all())
    end = bool(dates.is_month_end.all())
    if months == 1:
        return 'MS' if day1 or not end else 'ME'
    if months == 3:
        anchor = _QUARTER_MONTHS[((int(dates[0].month) - 1) % 3) + 1]
        return f'QS-{anchor}' if day1 or not end else f'QE-{_QUARTER_MONTHS[((int(dates[0].month) - 1) % 3) + 10]}'
    return 'YS-' + _QUARTER_MONTHS[int(dates[0].month)] if day1 or not end else 'YE-' + _QUARTER_MONTHS[int(dates[0].month)]


def infer_frequency(df: pd.DataFrame) -> Frequency:
    """The frequency most steps of the series agree on. Raises `irregular_timestamps` when no
    calendar frequency explains the spacing."""
    steps = []
    for _, g in df.groupby(ID, sort=False):
        d = g[DS].drop_duplicates().sort_values()
        steps.append(d.diff().dropna())
    diffs = pd.concat(steps) if steps else pd.Series([], dtype='timedelta64[ns]')
    if diffs.empty:
        raise InputError('series_unusable', 'Every series has a single timestamp; a forecast needs a history.')
    modal = diffs.mode().iloc[0]
    share = float((diffs == modal).mean())
    hours = modal / pd.Timedelta(hours=1)
    days = hours / 24
    first = pd.DatetimeIndex(df[DS].sort_values().head(1000))
    freq = None
    if abs(hours - 0.5) < 1e-9:
        freq = Frequency('30min', 'half-hourly', 48, 0.5, None)
    elif abs(hours - 1) < 1e-9:
        freq = Frequency('h', 'hourly', 24, 1.0, None)
    elif abs(days - 1) < 1e-9:
        freq = Frequency('D', 'daily', 7, 24.0, None)
    elif abs(days - 7) < 1e-9:
        freq = Frequency(f'W-{_WEEKDAYS[int(first[0].dayofweek)]}', 'weekly', 52, 168.0, None)
    elif 28 <= days <= 31:
        freq = Frequency(_month_based(first, 1), 'monthly', 12, None, 1)
        share = float(((diffs >= pd.Timedelta(days=28)) & (diffs <= pd.Timedelta(days=31))).mean())
    elif 89 <= days <= 92:
        freq = Frequency(_month_based(first, 3), 'quarterly', 4, None, 3)
        share = float(((diffs >= pd.Timedelta(days=89)) & (diffs <= pd.Timedelta(days=92))).mean())
    elif 365 <= days <= 366:
        freq = Frequency(_month_based(first, 12), 'yearly', 1, None, 12)
        share = float(((diffs >= pd.Timedelta(days=365)) & (diffs <= pd.Timedelta(days=366))).mean())
    if freq is None or share < 0.5:
        spacing = f'{days:g} days' if days >= 1 else f'{hours * 60:g} minutes'
        raise InputError('series_unusable', (
            f'irregular_timestamps: the dates are not evenly spaced (the most common step is {spacing}, '
            f'shared by {share:.0%} of the steps), so no daily, weekly, monthly, quarterly, hourly or '
            'half-hourly frequency fits. Aggregate the rows to a regular period (for example daily or '
            'weekly totals) and upload that file.'))
    return freq


def regularize(df: pd.DataFrame, freq: Frequency, exog: list) -> tuple:
    """(regular frame, diagnoses): duplicate timestamps averaged, off-grid timestamps refused,
    gaps filled by interpolation. `df` holds unique_id, ds, y and the exog columns."""
    found = []
    dup = df.duplicated([ID, DS], keep=False)
    if dup.any():
        n = int(df[dup].drop_duplicates([ID, DS]).shape[0])
        example = df[dup].iloc[0]
        found.append(diagnosis(
            'duplicate_timestamps',
            f'{n} timestamp(s) appear more than once in a series (e.g. {example[DS]:%Y-%m-%d %H:%M}'
            f'{"" if example[ID] == "series" else " in " + str(example[ID])})',
            'averaged the rows of each repeated timestamp into one; if they are parts of a total, '
            'sum them in the file instead'))
        agg = {Y: 'mean', **{c: 'first' for c in exog}}
        df = df.groupby([ID, DS], as_index=False, sort=False).agg(agg)
    parts, off_grid, missing = [], 0, 0
    for sid, g in df.groupby(ID, sort=False):
        g = g.sort_values(DS)
        grid = pd.date_range(g[DS].iloc[0], g[DS].iloc[-1], freq=freq.alias)
        off = ~g[DS].isin(grid)
        off_grid += int(off.sum())
        if off.all() or len(grid) == 0:
            grid = pd.DatetimeIndex(g[DS])
        g = g[~off] if off.any() and not off.all() else g
        full = g.set_index(DS).reindex(grid)
        gap = full[Y].isna() & ~full.index.isin(g[DS])
        missing += int(gap.sum())
        full[ID] = sid
        full.index.name = DS
        parts.append(full.reset_index())
    if off_grid:
        raise InputError('series_unusable', (
            f'irregular_timestamps: {off_grid} timestamp(s) fall between the {freq.label} periods the other '
            f'dates follow ({freq.alias}). Put every row on the same calendar step (for example the first day '
            'of each month) or aggregate to a regular period.'))
    out = pd.concat(parts, ignore_index=True)
    if missing:
        found.append(diagnosis(
            'gaps',
            f'{missing} {freq.label} period(s) are missing between the first and last date of their series',
            'filled the missing periods by linear interpolation between their neighbours'))
    for col in [Y, *exog]:
        out[col] = out.groupby(ID, sort=False)[col].transform(lambda s: s.interpolate(limit_direction='both'))
    return out, found


def season_check(lengths: pd.Series, freq: Frequency) -> tuple:
    """(season length to use, diagnoses): the season is dropped (1) when the shortest training
    part holds fewer than two full seasons, which seasonal models and seasonal MASE need."""
    if freq.season <= 1:
        return 1, []
    shortest = int(lengths.min())
    if shortest >= 2 * freq.season:
        return freq.season, []
    return 1, [diagnosis(
        'series_too_short_for_season',
        f'the shortest training series has {shortest} {freq.label} points; a season of {freq.season} needs '
        f'at least {2 * freq.season}',
        'dropped the seasonal component: models and MASE use a season of 1 (non-seasonal)')]


def positivity_check(y: pd.Series) -> tuple:
    """(all positive, diagnoses): multiplicative ETS and log transforms need y > 0."""
    bad = int((y <= 0).sum())
    if bad == 0:
        return True, []
    return False, [diagnosis(
        'non_positive_for_multiplicative',
        f'{bad} value(s) of the target are zero or negative (min {float(y.min()):g})',
        'multiplicative models and log transforms are ruled out; only additive models are used')]


_UNIT_HOURS = {'half-hour': 0.5, 'hour': 1.0, 'day': 24.0, 'week': 168.0}
_UNIT_MONTHS = {'month': 1, 'quarter': 3, 'year': 12}
_YEAR_STEPS = {'weekly': 52, 'daily': 365, 'hourly': 365 * 24, 'half-hourly': 365 * 48}


def horizon_steps(n: int | None, unit: str | None, freq: Frequency) -> int:
    """Converts "the next N <unit>" into steps of the data's frequency (12 months on monthly
    data = 12; a year on quarterly data = 4). None means one season (at least 1)."""
    if n is None:
        return freq.season if freq.season > 1 else 8
    if n < 1:
        raise InputError('series_unusable', f'The horizon must be at least 1 step, not {n}.')
    if unit is None or unit in ('step', 'period'):
        return n
    if unit in _UNIT_MONTHS and freq.months is not None:
        steps = n * _UNIT_MONTHS[unit] / freq.months
    elif unit in _UNIT_HOURS and freq.hours is not None:
        steps = n * _UNIT_HOURS[unit] / freq.hours
    elif unit == 'year' and freq.label in _YEAR_STEPS:
        steps = n * _YEAR_STEPS[freq.label]
    else:
        steps = None
    if steps is None or abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
        raise InputError('series_unusable', (
            f'The goal asks for the next {n} {unit}{"s" if n != 1 else ""}, but the data is {freq.label}; '
            f'that is not a whole number of {freq.label} steps. Ask for a horizon in {freq.label} steps '
            '(or use --horizon N).'))
    return int(round(steps))


def seasonal_naive_scale(y: np.ndarray, season: int) -> float:
    """In-sample MAE of the seasonal naive forecast (MASE's denominator), floored at eps."""
    m = season if len(y) > season else 1
    if len(y) <= m:
        return float(np.finfo(float).eps)
    return max(float(np.mean(np.abs(y[m:] - y[:-m]))), float(np.finfo(float).eps))
