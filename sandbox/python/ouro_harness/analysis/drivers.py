"""What a quick model says drives a target: permutation importance measured on rows the model
did not train on, partial dependence of the top drivers, and the strongest two-way segments."""

import numpy as np
import pandas as pd
from scipy import stats

from .findings import fmt, pct
from .stats import _levels, MIN_GROUP

MODEL_ROWS = 50_000
REPEATS = 8


def _matrix(data, target: str):
    """Numbers as they are, dates as days since 1970, categories as codes (native in the model)."""
    cols, frames, categorical = [], [], []
    for col in data.columns(exclude=(target,)):
        kind = data.kinds[col]
        x = data.df[col]
        if kind == 'datetime':
            x = (x - pd.Timestamp('1970-01-01')) / pd.Timedelta(days=1)
        elif kind == 'categorical':
            x = _levels(x).astype('category').cat.codes.replace(-1, np.nan).astype(float)
            categorical.append(len(cols))
        cols.append(col)
        frames.append(x.astype(float).rename(col))
    return pd.concat(frames, axis=1) if frames else pd.DataFrame(index=data.df.index), cols, categorical


def _fit(data, target):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.model_selection import train_test_split
    y, ykind, positive = data.target(target)
    X, cols, categorical = _matrix(data, target)
    keep = y.notna()
    X, y = X[keep], y[keep]
    if len(X) > MODEL_ROWS:
        X, y = X.sample(MODEL_ROWS, random_state=data.seed), y.sample(MODEL_ROWS, random_state=data.seed)
    strat = y if ykind != 'numeric' and y.value_counts().min() >= 2 else None
    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.3, random_state=data.seed, stratify=strat)
    mask = [i in categorical for i in range(len(cols))]
    kw = dict(max_iter=200, learning_rate=0.1, early_stopping=True, random_state=data.seed, categorical_features=mask)
    if ykind == 'numeric':
        model, scoring = HistGradientBoostingRegressor(**kw), 'r2'
    else:
        model, scoring = HistGradientBoostingClassifier(**kw), 'roc_auc' if ykind == 'binary' else 'neg_log_loss'
        ya, yb = ya.astype(str), yb.astype(str)
    model.fit(Xa, ya)
    return model, scoring, ykind, positive, cols, X, Xb, yb


def _predict(model, X, ykind):
    if ykind == 'numeric':
        return model.predict(X)
    proba = model.predict_proba(X)
    if ykind == 'binary':
        return proba[:, list(model.classes_).index('1.0') if '1.0' in model.classes_ else -1]
    return proba.max(axis=1)


def model_importance(data, target: str, f, top: int = 3):
    """Permutation importance on held-out rows, partial dependence of the `top` drivers, and a
    caveat for columns whose association is carried by a correlated, more important one."""
    from threadpoolctl import threadpool_limits
    # One thread: on tables this size OpenMP's threads only contend (40x slower on a busy host).
    with threadpool_limits(limits=1):
        return _model_importance(data, target, f, top)


def _model_importance(data, target, f, top):
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import get_scorer
    model, scoring, ykind, positive, cols, X, Xb, yb = _fit(data, target)
    score = get_scorer(scoring)(model, Xb, yb)
    result = permutation_importance(model, Xb, yb, scoring=scoring, n_repeats=REPEATS, random_state=data.seed, n_jobs=1)
    t = stats.t.ppf(0.975, REPEATS - 1)
    table = pd.DataFrame({'column': cols, 'importance': result.importances_mean, 'sd': result.importances_std})
    table['lo'] = table.importance - t * table.sd / np.sqrt(REPEATS)
    table['hi'] = table.importance + t * table.sd / np.sqrt(REPEATS)
    table = table.sort_values('importance', ascending=False).reset_index(drop=True)
    measure = {'r2': 'R²', 'roc_auc': 'ROC AUC', 'neg_log_loss': 'log loss'}[scoring]
    shown_score = -score if scoring == 'neg_log_loss' else score
    f.claim('model', f'A gradient-boosted model explains {target} on {len(Xb):,} rows it did not train on with {measure} {fmt(shown_score)}.',
            {'score': shown_score, 'rows': len(Xb)}, subject=target, n=len(Xb), method=f'HistGradientBoosting, 70/30 split, {measure} on the 30%')
    chart = f.bars('importance', table, 'column', 'importance', f'What the model leans on to predict {target}',
                   f'drop in {measure} when the column is shuffled', lo='lo', hi='hi')
    drivers = table[table.lo > 0]
    for rank, (_, r) in enumerate(table.head(max(top, 5)).iterrows(), 1):
        real = r.lo > 0
        text = (f'{r.column} ranks {rank} of {len(table)} as a driver of {target}: shuffling it lowers {measure} by '
                f'{fmt(r.importance)} (95% CI {fmt(r.lo)} to {fmt(r.hi)}){"" if real else ", not clearly above zero"}.')
        f.claim('driver', text, {'rank': rank, 'importance': r.importance, 'lo': r.lo, 'hi': r.hi, 'columns': len(table)},
                subject=r.column, n=len(Xb), effect=(f'drop in {measure}', r.importance), interval=(r.lo, r.hi),
                method=f'permutation importance on held-out rows ({REPEATS} shuffles per column)', chart=chart)
    f.extra['drivers'] = table[['column', 'importance', 'lo', 'hi']].to_dict('records')
    f.extra['model'] = {'measure': measure, 'score': shown_score, 'heldOutRows': len(Xb)}
    _partial_dependence(data, target, model, ykind, positive, X, drivers.head(top).column.tolist(), f)
    _confounding(data, target, table, X, f)
    return table


def _partial_dependence(data, target, model, ykind, positive, X, columns, f):
    sample = X.sample(min(len(X), 800), random_state=data.seed)
    what = f'predicted {target} = {positive} rate' if ykind == 'binary' else f'predicted {target}' if ykind == 'numeric' else 'predicted top-class probability'
    show = pct if ykind == 'binary' else fmt
    for col in columns:
        kind = data.kinds[col]
        if kind == 'categorical':
            levels = _levels(data.df[col]).astype('category').cat.categories
            grid = list(range(min(len(levels), 12)))
            labels = [str(levels[i]) for i in grid]
        else:
            values = X[col].dropna()
            grid = np.unique(np.quantile(values, np.linspace(0.05, 0.95, 12)))
            labels = [fmt(v) for v in grid]
        ys = []
        for v in grid:
            probe = sample.copy()
            probe[col] = float(v)
            ys.append(float(np.mean(_predict(model, probe, ykind))))
        table = pd.DataFrame({col: labels, 'value': grid, 'prediction': ys})
        if kind == 'categorical':
            chart = f.bars(f'pd-{col}', table.sort_values('prediction', ascending=False), col, 'prediction', f'{what} by {col} (others as they are)', what, percent=ykind == 'binary')
        else:
            chart = f.line(f'pd-{col}', table, 'value', 'prediction', f'{what} as {col} changes (others as they are)', col, what, percent=ykind == 'binary')
        lo_i, hi_i = int(np.argmin(ys)), int(np.argmax(ys))
        if kind == 'categorical':
            text = f'With everything else as it is, {what} is highest for {col} = {labels[hi_i]} ({show(ys[hi_i])}) and lowest for {labels[lo_i]} ({show(ys[lo_i])}).'
        else:
            text = f'With everything else as it is, {what} moves from {show(ys[0])} at {col} = {labels[0]} to {show(ys[-1])} at {labels[-1]} (lowest {show(ys[lo_i])}, highest {show(ys[hi_i])}).'
        f.claim('partial_dependence', text, {'first': ys[0], 'last': ys[-1], 'low': ys[lo_i], 'high': ys[hi_i],
                                             **({'at_first': grid[0], 'at_last': grid[-1]} if kind != 'categorical' else {})},
                subject=col, n=len(sample), method='partial dependence of the model (average prediction over 800 rows with the column set to each value)', chart=chart)


def _confounding(data, target, importance, X, f):
    """A column strongly associated with the target but unimportant to the model, while it moves
    with a more important column, is a confounding suspect: its association may be borrowed."""
    ranks = {c: i for i, c in enumerate(importance.column)}
    y, ykind, _ = data.target(target)
    keep = y.notna()
    num = X[keep]
    for col in importance.column[3:]:
        if data.kinds[col] != 'numeric':
            continue
        rho_t = stats.spearmanr(num[col], y[keep], nan_policy='omit')[0]
        if not abs(rho_t) >= 0.2:
            continue
        for other in importance.column[:ranks[col]][:5]:
            if data.kinds[other] != 'numeric':
                continue
            rho = stats.spearmanr(num[col], num[other], nan_policy='omit')[0]
            if abs(rho) >= 0.5:
                f.caveat('confounding', f'{col} moves with {target} (Spearman ρ = {fmt(rho_t)}) but adds little once {other} is known, and the two move together (ρ = {fmt(rho)}): '
                         f'its association may be borrowed from {other}, or both may share a cause.', {'rho_target': rho_t, 'rho_other': rho}, col)
                break


def segments(data, target: str, columns, f, top: int = 5):
    """The two-way segments (pairs of `columns`, numbers in thirds) whose target rate or mean is
    furthest from the overall one, weighted by their size; segments under MIN_GROUP rows are left out."""
    y, ykind, positive = data.target(target)
    overall = float(y.mean())
    binned = {}
    for col in columns:
        x = data.df[col]
        if data.kinds[col] == 'numeric' and x.nunique() > 6:
            q = pd.qcut(x, 3, duplicates='drop')
            binned[col] = q.map(lambda iv: f'{fmt(iv.left)}–{fmt(iv.right)}' if pd.notna(iv) else np.nan).astype(object)
        elif data.kinds[col] == 'datetime':
            continue
        else:
            binned[col] = _levels(x.astype(object)).map(lambda v: v if pd.isna(v) else (fmt(v) if isinstance(v, float) else str(v)))
    rows = []
    names = list(binned)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            frame = pd.DataFrame({'a': binned[a], 'b': binned[b], 'y': y}).dropna()
            for (va, vb), part in frame.groupby(['a', 'b']).y:
                if len(part) >= MIN_GROUP:
                    rows.append({'segment': f'{a} {va} & {b} {vb}', 'a': a, 'b': b, 'n': len(part), 'value': part.mean(),
                                 'lift': part.mean() - overall, 'score': abs(part.mean() - overall) * np.sqrt(len(part))})
    if not rows:
        return pd.DataFrame()
    table = pd.DataFrame(rows).sort_values('score', ascending=False).reset_index(drop=True).head(top)
    what = f'{target} = {positive} rate' if ykind == 'binary' else f'mean {target}'
    show = pct if ykind == 'binary' else fmt
    chart = f.bars('segments', table, 'segment', 'value', f'{what} in the strongest two-way segments', what, reference=overall, percent=ykind == 'binary')
    for _, r in table.iterrows():
        f.claim('segment', f'Segment {r.segment}: {what} {show(r.value)} against {show(overall)} overall (n = {r.n:,}).',
                {'value': r.value, 'overall': overall, 'n': r.n}, subject=r.segment, n=r.n, effect=('difference from overall', r.lift),
                method='two-way segments of the top drivers (numbers in thirds), ranked by |difference| × √n', chart=chart)
    return table
