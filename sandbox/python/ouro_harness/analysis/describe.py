"""The overview, data quality and distributions of a table, with or without a target."""

import numpy as np
import pandas as pd

from .findings import fmt, pct


def overview(data, f, target: str = None):
    f.data(data)
    kinds = pd.Series(data.kinds).value_counts()
    text = f'The table has {data.rows_total:,} rows and {len(data.kinds) + len(data.skipped)} columns ({", ".join(f"{v} {k}" for k, v in kinds.items())}).'
    f.claim('summary', text, {'rows': data.rows_total, 'columns': len(data.kinds) + len(data.skipped), **{k: v for k, v in kinds.items()}},
            n=data.rows_total, method='count')
    if data.sampled:
        f.caveat('sample', f'The analysis used a seeded random sample of {data.rows_used:,} of the {data.rows_total:,} rows.', {'used': data.rows_used, 'total': data.rows_total})
    for col, why in data.skipped.items():
        f.caveat('quality', f'{col} is left out: {why}.', subject=col)
    if target is None:
        return
    y, ykind, positive = data.target(target)
    n = int(y.notna().sum())
    if ykind == 'binary':
        k = int(y.sum())
        f.claim('summary', f'{k:,} of {n:,} rows have {target} = {positive} ({pct(k / n)}).', {'positives': k, 'n': n, 'rate': k / n}, subject=target, n=n, method='count')
    elif ykind == 'numeric':
        f.claim('summary', f'{target} has mean {fmt(y.mean())} and median {fmt(y.median())} (from {fmt(y.min())} to {fmt(y.max())}, n = {n:,}).',
                {'mean': y.mean(), 'median': y.median(), 'min': y.min(), 'max': y.max(), 'n': n}, subject=target, n=n, method='descriptive statistics')
        f.histogram(f'{target}-distribution', y, f'Distribution of {target}', target)
    else:
        counts = y.value_counts()
        f.claim('summary', f'{target} has {len(counts)} classes; the largest, {counts.index[0]}, holds {pct(counts.iloc[0] / n)} of rows.',
                {'classes': len(counts), 'share': counts.iloc[0] / n, 'n': n}, subject=target, n=n, method='count')


def data_quality(data, f):
    df = data.df
    for col in data.columns():
        x = df[col]
        miss = float(x.isna().mean())
        if miss >= 0.05:
            f.claim('quality', f'{col} is missing in {pct(miss)} of rows ({int(x.isna().sum()):,} rows).', {'share': miss, 'rows': int(x.isna().sum())},
                    subject=col, n=len(x), method='count of empty cells')
        if data.kinds[col] == 'numeric' and x.nunique() > 10:
            v = x.dropna()
            zeros = int((v == 0).sum())
            positive = v[v != 0]
            counts = bool((v % 1 == 0).all() and positive.min() == 1)  # 0 children, 0 visits: real zeros
            if not counts and 0 < zeros < 0.2 * len(v) and len(positive) and positive.min() > 0 and positive.quantile(0.01) > 0.1 * positive.median():
                f.claim('quality', f'{col} is 0 in {zeros:,} rows ({pct(zeros / len(v))}) although its other values start at {fmt(positive.min())}: the zeros are likely missing values.',
                        {'zeros': zeros, 'share': zeros / len(v), 'min': positive.min()}, subject=col, n=len(v), method='count of zeros against the smallest non-zero value')
            q1, q3 = v.quantile([0.25, 0.75])
            iqr = q3 - q1
            if iqr > 0:
                far = int(((v < q1 - 3 * iqr) | (v > q3 + 3 * iqr)).sum())
                if far > 0:
                    f.claim('quality', f'{col} has {far:,} extreme values (beyond 3 interquartile ranges of the middle half).', {'rows': far, 'q1': q1, 'q3': q3},
                            subject=col, n=len(v), method='Tukey fences at 3 IQR')
    dup = int(df.duplicated().sum())
    if dup:
        f.claim('quality', f'{dup:,} rows ({pct(dup / len(df))}) are exact copies of earlier rows.', {'rows': dup, 'share': dup / len(df)}, n=len(df), method='duplicate rows')


def distributions(data, f, columns=None, top: int = 6):
    cols = columns or data.columns()[:top]
    for col in cols:
        x = data.df[col]
        kind = data.kinds[col]
        if kind == 'numeric':
            v = x.dropna()
            if v.empty:
                continue
            skew = float(v.skew()) if len(v) > 2 else 0.0
            chart = f.histogram(f'{col}-distribution', v, f'Distribution of {col}', col)
            f.claim('distribution', f'{col}: median {fmt(v.median())}, middle half {fmt(v.quantile(0.25))} to {fmt(v.quantile(0.75))}, skewness {fmt(skew)} (n = {len(v):,}).',
                    {'median': v.median(), 'q1': v.quantile(0.25), 'q3': v.quantile(0.75), 'skew': skew, 'n': len(v)}, subject=col, n=len(v), method='quantiles', chart=chart)
        elif kind == 'categorical':
            counts = x.value_counts()
            table = pd.DataFrame({col: counts.index, 'rows': counts.to_numpy(), 'share': counts.to_numpy() / counts.sum()})
            chart = f.bars(f'{col}-levels', table, col, 'share', f'Share of rows by {col}', 'share of rows', percent=True)
            f.claim('distribution', f'{col} has {len(counts)} values; the most common, {counts.index[0]}, covers {pct(counts.iloc[0] / counts.sum())} of rows.',
                    {'levels': len(counts), 'share': counts.iloc[0] / counts.sum(), 'n': int(counts.sum())}, subject=col, n=int(counts.sum()), method='counts', chart=chart)
