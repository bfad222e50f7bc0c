"""Association of every column with a target (effect sizes with bootstrap intervals and
Benjamini-Hochberg control), group comparisons with the test that fits, and trends over time."""

import numpy as np
import pandas as pd
from scipy import stats

from .findings import fmt, pct

BOOTSTRAP = 200
BOOTSTRAP_ROWS = 4000
MIN_GROUP = 30
MAX_LEVELS = 30


def wilson(k: float, n: float, z: float = 1.96):
    """Wilson score interval of a proportion k/n."""
    if n <= 0:
        return (np.nan, np.nan)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def benjamini_hochberg(p):
    """q-values (Benjamini-Hochberg false discovery rate) for a list of p-values."""
    p = np.asarray(p, dtype=float)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.clip(q, 0, 1)
    return out


def _levels(x: pd.Series) -> pd.Series:
    """At most MAX_LEVELS categories; the rest pooled as '(other)'."""
    top = x.value_counts().index[:MAX_LEVELS - 1]
    return x.where(x.isin(top) | x.isna(), '(other)')


def _auc_effect(x, y):
    """Rank-biserial correlation 2*AUC-1 of numeric x for y==1 (signed, -1..1)."""
    pos, neg = x[y == 1], x[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return np.nan
    ranks = stats.rankdata(np.concatenate([pos, neg]))
    auc = (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    return 2 * auc - 1


def _cramers_v(x, y):
    table = pd.crosstab(x, y).to_numpy()
    if min(table.shape) < 2:
        return np.nan
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    return np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1)))


def _eta(values, groups):
    """Correlation ratio: sqrt of the share of variance of `values` explained by `groups`."""
    df = pd.DataFrame({'v': values, 'g': groups})
    total = ((df.v - df.v.mean()) ** 2).sum()
    if total == 0:
        return np.nan
    means = df.groupby('g', observed=True).v.transform('mean')
    return np.sqrt(((means - df.v.mean()) ** 2).sum() / total)


def _pair(x: pd.Series, xkind: str, y: pd.Series, ykind: str):
    """(effect name, effect fn(x, y) on aligned arrays, p-value, method) for one column."""
    if xkind == 'numeric' and ykind == 'numeric':
        return 'Spearman ρ', lambda a, b: stats.spearmanr(a, b)[0], stats.spearmanr(x, y)[1], 'Spearman rank correlation'
    if xkind == 'numeric' and ykind == 'binary':
        return 'rank-biserial r', lambda a, b: _auc_effect(a, b), stats.mannwhitneyu(x[y == 1], x[y == 0])[1], 'Mann-Whitney U (rank-biserial r = 2·AUC − 1)'
    if xkind == 'numeric':
        return 'η', lambda a, b: _eta(a, b), stats.kruskal(*[x[y == c] for c in pd.unique(y)])[1], 'Kruskal-Wallis (η: correlation ratio)'
    if ykind == 'numeric':
        groups = [y[x == c] for c in pd.unique(x)]
        p = stats.kruskal(*groups)[1] if len(groups) > 1 else 1.0
        return 'η', lambda a, b: _eta(b, a), p, 'Kruskal-Wallis (η: correlation ratio)'
    table = pd.crosstab(x, y)
    p = stats.chi2_contingency(table.to_numpy())[1] if min(table.shape) > 1 else 1.0
    return "Cramér's V", lambda a, b: _cramers_v(a, b), p, "chi-squared test (Cramér's V)"


def association_table(data, target: str) -> pd.DataFrame:
    """One row per column: effect, bootstrap 95 % interval, p, q (BH), n."""
    y_all, ykind, _ = data.target(target)
    rng = np.random.default_rng(data.seed)
    rows = []
    for col in data.columns(exclude=(target,)):
        kind = data.kinds[col]
        x = data.df[col]
        if kind == 'datetime':
            x, kind = (x - pd.Timestamp('1970-01-01')) / pd.Timedelta(days=1), 'numeric'
        elif kind == 'categorical':
            x = _levels(x)
        keep = x.notna() & y_all.notna()
        if keep.sum() < 10 or x[keep].nunique() < 2:
            continue
        xs, ys = x[keep].reset_index(drop=True), y_all[keep].reset_index(drop=True)
        name, fn, p, method = _pair(xs, kind, ys, ykind)
        effect = float(fn(xs.to_numpy(), ys.to_numpy()))
        n = len(xs)
        size = min(n, BOOTSTRAP_ROWS)
        boots = []
        for _ in range(BOOTSTRAP):
            idx = rng.integers(0, n, size)
            boots.append(fn(xs.to_numpy()[idx], ys.to_numpy()[idx]))
        boots = np.asarray(boots, dtype=float)
        boots = boots[np.isfinite(boots)]
        # The interval of the full-sample effect: percentiles of bootstrap resamples (of at most
        # BOOTSTRAP_ROWS rows, widened by sqrt(size/n)... kept simple: same-size resamples below that).
        lo, hi = (np.percentile(boots, [2.5, 97.5]) if len(boots) else (np.nan, np.nan))
        if size < n:  # resamples smaller than the data: shrink the spread to the full n
            centre = np.nanmean(boots)
            lo, hi = centre + (lo - centre) * np.sqrt(size / n), centre + (hi - centre) * np.sqrt(size / n)
        rows.append({'column': col, 'kind': kind, 'effect_name': name, 'effect': effect, 'strength': abs(effect),
                     'lo': float(lo), 'hi': float(hi), 'p': float(p), 'n': n, 'method': method})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table['q'] = benjamini_hochberg(table['p'].fillna(1).to_numpy())
    return table.sort_values('strength', ascending=False).reset_index(drop=True)


def associations(data, target: str, f, top: int = 8) -> pd.DataFrame:
    """Claims for the columns most associated with `target` and a chart of all of them."""
    table = association_table(data, target)
    if table.empty:
        f.caveat('quality', f'No column could be compared with {target!r}.')
        return table
    chart = f.bars('association', table[['column', 'effect_name', 'effect', 'strength', 'lo', 'hi', 'p', 'q', 'n']],
                   'column', 'strength', f'Association with {target} (strength, 95% bootstrap CI)', 'strength of association (0 = none, 1 = perfect)')
    # Intervals of |effect|: flip the signed interval when the effect is negative.
    for _, r in table.head(top).iterrows():
        lo, hi = (r.lo, r.hi) if r.effect >= 0 else (-r.hi, -r.lo)
        signif = r.q < 0.05
        direction = '' if r.kind == 'categorical' else (' (higher values go with higher ' if r.effect > 0 else ' (higher values go with lower ') + f'{target})'
        text = (f'{r.column} is {"associated" if signif else "not clearly associated"} with {target}{direction}: '
                f'{r.effect_name} = {fmt(r.effect)} (95% CI {fmt(r.lo)} to {fmt(r.hi)}, n = {r.n:,}, q = {fmt(r.q)}).')
        f.claim('association', text, {'effect': r.effect, 'lo': r.lo, 'hi': r.hi, 'q': r.q, 'n': r.n},
                subject=r.column, n=r.n, effect=(r.effect_name, r.effect), interval=(r.lo, r.hi), p=r.p, q=r.q,
                method=f'{r.method}; bootstrap 95% interval ({BOOTSTRAP} resamples); Benjamini-Hochberg q over {len(table)} columns', chart=chart)
        if abs(r.effect) > 0.95:
            f.caveat('leakage', f'{r.column} is almost perfectly associated with {target} ({r.effect_name} = {fmt(r.effect)}): it may be recorded after the outcome or be a copy of it.', {'effect': r.effect}, r.column)
    f.extra['associations'] = table[['column', 'effect_name', 'effect', 'lo', 'hi', 'p', 'q', 'n']].to_dict('records')
    return table


def compare_groups(data, target: str, group: str, f) -> pd.DataFrame:
    """The target's rate (yes/no) or mean (numbers) per group, each with its interval, and the test that fits."""
    y, ykind, positive = data.target(target)
    g = _levels(data.df[group].astype(object).where(data.df[group].notna(), None)) if data.kinds[group] == 'categorical' else data.df[group]
    if data.kinds[group] == 'numeric' and data.df[group].nunique() > 10:
        g = pd.qcut(data.df[group], 4, duplicates='drop').map(lambda iv: f'{fmt(iv.left)}–{fmt(iv.right)}' if pd.notna(iv) else np.nan).astype(object)
    keep = y.notna() & pd.Series(g).notna()
    y, g = y[keep], pd.Series(g)[keep].astype(str)
    rows = []
    for level, part in y.groupby(g):
        n = len(part)
        if ykind == 'binary':
            k = part.sum()
            lo, hi = wilson(k, n)
            rows.append({'group': level, 'n': n, 'positives': int(k), 'value': k / n, 'lo': lo, 'hi': hi})
        else:
            m, s = part.mean(), part.std(ddof=1) if n > 1 else np.nan
            h = stats.t.ppf(0.975, n - 1) * s / np.sqrt(n) if n > 1 else np.nan
            rows.append({'group': level, 'n': n, 'value': m, 'lo': m - h, 'hi': m + h})
    table = pd.DataFrame(rows).sort_values('value', ascending=False).reset_index(drop=True)
    overall = float(y.mean())
    what = f'{target} = {positive} rate' if ykind == 'binary' else f'mean {target}'
    if ykind == 'binary':
        ct = pd.crosstab(g, y)
        chi2, p = stats.chi2_contingency(ct.to_numpy())[:2] if min(ct.shape) > 1 else (0.0, 1.0)
        test, effect = 'chi-squared test of independence', ("Cramér's V", _cramers_v(g.to_numpy(), y.to_numpy()))
    elif len(table) == 2:
        a, b = [y[g == lv] for lv in table.group]
        p = stats.ttest_ind(a, b, equal_var=False)[1]
        pooled = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
        test, effect = "Welch's t-test", ("Cohen's d", (a.mean() - b.mean()) / pooled if pooled > 0 else np.nan)
    else:
        p = stats.kruskal(*[y[g == lv] for lv in table.group])[1]
        test, effect = 'Kruskal-Wallis test', ('η', _eta(y.to_numpy(), g.to_numpy()))
    chart = f.bars(f'{target}-by-{group}', table, 'group', 'value', f'{what} by {group} (95% CI)', what, lo='lo', hi='hi',
                   reference=overall, percent=ykind == 'binary')
    show = pct if ykind == 'binary' else fmt
    for _, r in table.iterrows():
        text = f'{group} = {r.group}: {what} {show(r.value)} (95% CI {show(r.lo)} to {show(r.hi)}, n = {r.n:,}).'
        f.claim('group', text, {'value': r.value, 'lo': r.lo, 'hi': r.hi, 'n': r.n, **({'positives': r.positives} if 'positives' in r else {})},
                subject=f'{group}={r.group}', n=r.n, interval=(r.lo, r.hi),
                method='Wilson score interval' if ykind == 'binary' else 't interval of the mean', chart=chart)
    top, bottom = table.iloc[0], table.iloc[-1]
    f.claim('comparison', f'{what} differs by {group} from {show(bottom.value)} ({bottom.group}) to {show(top.value)} ({top.group}); '
            f'{test}: p = {fmt(p)}, {effect[0]} = {fmt(effect[1])}, overall {show(overall)}.',
            {'low': bottom.value, 'high': top.value, 'p': p, 'effect': effect[1], 'overall': overall},
            subject=group, n=int(table.n.sum()), effect=effect, p=p, method=test, chart=chart)
    for _, r in table[table.n < MIN_GROUP].iterrows():
        f.caveat('small_group', f'{group} = {r.group} has only {r.n} rows: its {what} is uncertain.', {'n': r.n}, f'{group}={r.group}')
    f.extra['groups'] = table.to_dict('records')
    return table


def _period(dates: pd.Series) -> str:
    span = (dates.max() - dates.min()).days
    return 'YS' if span > 365 * 8 else 'MS' if span > 120 else 'W' if span > 21 else 'D'


def trend(data, target: str, date: str, f, group: str = None) -> pd.DataFrame:
    """The target per period (per group when given), and its slope per year (Theil-Sen, 95 % CI)."""
    y, ykind, positive = data.target(target)
    d = data.df[date]
    keep = y.notna() & d.notna()
    frame = pd.DataFrame({'date': d[keep], 'y': y[keep]})
    if group is not None:
        frame['group'] = _levels(data.df[group][keep].astype(str))
    freq = _period(frame['date'])
    frame['period'] = frame['date'].dt.to_period({'YS': 'Y', 'MS': 'M', 'W': 'W', 'D': 'D'}[freq]).dt.start_time
    keys = ['period'] + (['group'] if group is not None else [])
    table = frame.groupby(keys).y.agg(['mean', 'count']).reset_index().rename(columns={'mean': 'value', 'count': 'n'})
    what = f'{target} = {positive} rate' if ykind == 'binary' else f'mean {target}'
    show = pct if ykind == 'binary' else fmt
    unit = {'YS': 'year', 'MS': 'month', 'W': 'week', 'D': 'day'}[freq]
    chart = f.line(f'{target}-over-time', table, 'period', 'value', f'{what} per {unit}', unit, what,
                   group='group' if group is not None else None, percent=ykind == 'binary')
    parts = [(None, table)] if group is None else list(table.groupby('group'))
    slopes = []
    for key, part in parts:
        part = part[part.n >= 3]
        if len(part) < 3:
            continue
        years = (part.period - part.period.min()).dt.days.to_numpy() / 365.25
        slope, _, lo, hi = stats.theilslopes(part.value.to_numpy(), years)
        first, last = part.iloc[0], part.iloc[-1]
        label = '' if key is None else f'{group} = {key}: '
        change = last.value - first.value
        text = (f'{label}{what} went from {show(first.value)} ({first.period:%Y-%m-%d}) to {show(last.value)} ({last.period:%Y-%m-%d}); '
                f'trend {fmt(slope * (100 if ykind == "binary" else 1))}{" points" if ykind == "binary" else ""} per year (95% CI {fmt(lo * (100 if ykind == "binary" else 1))} to {fmt(hi * (100 if ykind == "binary" else 1))}).')
        scale = 100 if ykind == 'binary' else 1
        f.claim('trend', text, {'first': first.value, 'last': last.value, 'slope': slope * scale, 'lo': lo * scale, 'hi': hi * scale, 'change': change},
                subject=key if key is not None else target, n=int(part.n.sum()), effect=('slope per year', slope * scale), interval=(lo * scale, hi * scale),
                method=f'Theil-Sen slope of the per-{unit} {"rate" if ykind == "binary" else "mean"} (95% interval)', chart=chart)
        slopes.append({'group': key, 'slope': slope, 'change': change})
    f.extra['trend'] = slopes
    return table
