"""The generators a `generate.py` calls. Each learns from the real training rows only (the
holdout is not in its sandbox) and returns `n` rows of the modelled columns; `finish` then makes
them obey the table's constraints. `condition` ({column: value}) samples only rows with that
value: how augmentation asks for more of the rare class."""

import numpy as np
import pandas as pd
from scipy import stats
from scipy.sparse.csgraph import minimum_spanning_tree, breadth_first_order

from .frame import modelled

MAX_FIT_ROWS = 20_000


def _columns(meta):
    return {c['name']: c for c in meta['columns']}


def _subset(real, condition):
    if not condition:
        return real
    mask = np.ones(len(real), dtype=bool)
    for k, v in condition.items():
        mask &= (real[k].astype(str) == str(v)).to_numpy()
    if mask.sum() < 2:
        raise ValueError(f'only {int(mask.sum())} real rows match {condition}; at least 2 are needed')
    return real[mask].reset_index(drop=True)


def _fit_rows(real, rng):
    return real if len(real) <= MAX_FIT_ROWS else real.sample(MAX_FIT_ROWS, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)


def _bandwidth(values):
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return 0.0
    return 1.06 * float(np.std(values)) * len(values) ** -0.2


def _apply_missing(out, real, names, rng):
    for name in names:
        share = float(real[name].isna().mean())
        if share > 0:
            hole = rng.random(len(out)) < share
            out.loc[hole, name] = np.nan
    return out


def sample_marginals(real, meta, n, seed=0, condition=None, smooth=1.0):
    """The floor: every column on its own (its distribution kept, every relation between columns lost)."""
    rng = np.random.default_rng(seed)
    real = _subset(real, condition)
    cols = _columns(meta)
    out = {}
    for name in modelled(meta):
        present = real[name].dropna()
        if len(present) == 0:
            out[name] = np.full(n, np.nan)
            continue
        draw = present.to_numpy()[rng.integers(0, len(present), n)]
        if cols[name]['kind'] != 'category':
            draw = draw.astype(float) + rng.normal(0, smooth * _bandwidth(present.to_numpy(dtype=float)), n)
        out[name] = draw
    frame = _apply_missing(pd.DataFrame(out), real, list(out), rng)
    for k, v in (condition or {}).items():
        frame[k] = v
    return frame


def _category_cuts(values: pd.Series):
    counts = values.value_counts()
    cats = counts.index.to_numpy()
    cum = np.concatenate([[0.0], np.cumsum(counts.to_numpy()) / counts.sum()])
    return cats, cum


def sample_copula(real, meta, n, seed=0, condition=None):
    """Gaussian copula: each column's own distribution (its empirical quantiles), joined by the
    correlations of their normal scores. Categories take intervals of the uniform scale."""
    rng = np.random.default_rng(seed)
    real = _fit_rows(_subset(real, condition), rng)
    cols = _columns(meta)
    names = [c for c in modelled(meta) if real[c].notna().any() and c not in (condition or {})]
    z = np.zeros((len(real), len(names)))
    decode = []
    for j, name in enumerate(names):
        s = real[name]
        filled = s.copy()
        hole = s.isna().to_numpy()
        if hole.any():  # missing cells take random present values; missingness is put back at the end
            present = s.dropna().to_numpy()
            filled[hole] = present[rng.integers(0, len(present), hole.sum())]
        if cols[name]['kind'] == 'category':
            cats, cum = _category_cuts(filled.astype(str))
            idx = pd.Index(cats).get_indexer(filled.astype(str))
            u = cum[idx] + rng.random(len(filled)) * (cum[idx + 1] - cum[idx])
            decode.append(('category', cats, cum))
        else:
            v = filled.to_numpy(dtype=float)
            u = (stats.rankdata(v) - 0.5) / len(v)
            decode.append(('number', np.sort(v), None))
        z[:, j] = stats.norm.ppf(np.clip(u, 1e-6, 1 - 1e-6))
    corr = np.corrcoef(z, rowvar=False) if len(names) > 1 else np.ones((1, 1))
    corr = np.nan_to_num(np.atleast_2d(corr)) + 1e-6 * np.eye(len(names))
    sample = rng.multivariate_normal(np.zeros(len(names)), corr, size=n, method='eigh')
    u = stats.norm.cdf(sample)
    out = {}
    for j, name in enumerate(names):
        kind, values, cum = decode[j]
        if kind == 'category':
            out[name] = values[np.clip(np.searchsorted(cum, u[:, j], side='right') - 1, 0, len(values) - 1)]
        else:
            out[name] = np.quantile(values, u[:, j], method='linear')
    frame = _apply_missing(pd.DataFrame(out), real, names, rng)
    for k, v in (condition or {}).items():
        frame[k] = v
    return frame


def _encode(series: pd.Series, kind: str, cats=None):
    if kind == 'category':
        codes = pd.Index(cats).get_indexer(series.astype(object).where(series.notna(), None))
        return np.where(codes < 0, np.nan, codes).astype(float)
    return series.to_numpy(dtype=float)


def sample_cart(real, meta, n, seed=0, condition=None, min_leaf=5, smooth=0.5, order=None):
    """Sequential CART synthesis (synthpop's method): the first column from its own
    distribution, each next one from a tree on the columns before it — a synthetic row falls into
    a leaf and takes the value of a random real row of that leaf (numbers smoothed within it)."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    rng = np.random.default_rng(seed)
    real = _fit_rows(real, rng)
    cols = _columns(meta)
    names = order or modelled(meta)
    target = meta['target']
    if target in names:  # the target first: conditioning on it is then just fixing it
        names = [target] + [c for c in names if c != target]
    cats = {c: sorted(real[c].dropna().astype(str).unique()) for c in names if cols[c]['kind'] == 'category'}
    enc_real = np.column_stack([_encode(real[c], cols[c]['kind'], cats.get(c)) for c in names])
    out = {}
    first = names[0]
    if condition and first in condition:
        out[first] = np.array([condition[first]] * n, dtype=object)
    else:
        out[first] = real[first].to_numpy()[rng.integers(0, len(real), n)]
    enc_syn = np.full((n, len(names)), np.nan)
    enc_syn[:, 0] = _encode(pd.Series(out[first]), cols[first]['kind'], cats.get(first))
    for j in range(1, len(names)):
        name = names[j]
        y = real[name]
        X, Xs = enc_real[:, :j], enc_syn[:, :j]
        known = y.notna().to_numpy()
        values = y.to_numpy()
        if known.sum() < 2 * min_leaf or y.dropna().nunique() < 2:
            pick = rng.integers(0, len(real), n)
            out[name] = values[pick]
        else:
            if cols[name]['kind'] == 'category':
                tree = DecisionTreeClassifier(min_samples_leaf=min_leaf, random_state=seed)
                tree.fit(X[known], y[known].astype(str))
            else:
                tree = DecisionTreeRegressor(min_samples_leaf=min_leaf, random_state=seed)
                tree.fit(X[known], y[known].to_numpy(dtype=float))
            leaf_real, leaf_syn = tree.apply(X), tree.apply(Xs)
            donors = pd.Series(np.arange(len(real))).groupby(leaf_real).apply(lambda s: s.to_numpy()).to_dict()
            drawn = np.empty(n, dtype=object if cols[name]['kind'] == 'category' else float)
            for leaf in np.unique(leaf_syn):
                rows = np.flatnonzero(leaf_syn == leaf)
                pool = donors.get(leaf, np.arange(len(real)))
                picked = values[pool[rng.integers(0, len(pool), len(rows))]]
                if cols[name]['kind'] != 'category' and smooth > 0:
                    spread = _bandwidth(values[pool].astype(float))
                    picked = picked.astype(float) + rng.normal(0, smooth * spread, len(rows))
                drawn[rows] = picked
            out[name] = drawn
        enc_syn[:, j] = _encode(pd.Series(out[name]), cols[name]['kind'], cats.get(name))
    return pd.DataFrame(out)


def _discretise(s: pd.Series, kind: str, bins: int):
    """(codes with the last code = missing, decoder per code)."""
    if kind == 'category':
        counts = s.value_counts()
        top = list(counts.index[: bins * 4])
        codes = pd.Index(top).get_indexer(s.astype(object).where(s.notna(), None))
        rest = s[s.notna() & ~s.isin(top)]
        codes = np.where(s.isna(), len(top) + 1, np.where(codes < 0, len(top), codes))
        return codes, [('value', v) for v in top] + [('pool', rest.to_numpy())] + [('missing', None)]
    v = s.to_numpy(dtype=float)
    finite = v[np.isfinite(v)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1))) if len(finite) else np.array([0.0, 1.0])
    inner = np.clip(np.searchsorted(edges, v, side='right') - 1, 0, max(len(edges) - 2, 0))
    k = max(len(edges) - 1, 1)
    codes = np.where(np.isfinite(v), inner, k)
    decoders = [('pool', finite[inner[np.isfinite(v)] == b]) for b in range(k)] + [('missing', None)]
    return codes, decoders


def sample_bayes_net(real, meta, n, seed=0, condition=None, bins=8, alpha=0.5, smooth=0.5):
    """A Chow-Liu tree, the Bayesian network of most mutual information among trees: columns
    discretised (numbers in quantile bins), the target as root, each column drawn given its
    parent; a number then takes a real value of its bin, smoothed within the bin."""
    from sklearn.metrics import mutual_info_score

    rng = np.random.default_rng(seed)
    real = _fit_rows(real, rng)
    cols = _columns(meta)
    names = modelled(meta)
    target = meta['target']
    if target in names:
        names = [target] + [c for c in names if c != target]
    coded = {}
    dec = {}
    for c in names:
        coded[c], dec[c] = _discretise(real[c], cols[c]['kind'], bins)
    k = len(names)
    mi = np.zeros((k, k))
    for a in range(k):
        for b in range(a + 1, k):
            mi[a, b] = mutual_info_score(coded[names[a]], coded[names[b]])
    weights = np.where(np.triu(np.ones((k, k)), 1) > 0, mi.max() + 1.0 - mi, 0)
    tree = minimum_spanning_tree(weights)
    sym = tree + tree.T
    order, parents = breadth_first_order(sym, 0, directed=False, return_predecessors=True)
    drawn = {}
    for node in order:
        name = names[node]
        size = len(dec[name])
        if node == 0:
            if condition and name in condition:
                code = next(i for i, d in enumerate(dec[name]) if d[0] == 'value' and str(d[1]) == str(condition[name]))
                drawn[name] = np.full(n, code)
            else:
                counts = np.bincount(coded[name], minlength=size)
                p = counts + alpha * (counts > 0)
                drawn[name] = rng.choice(size, n, p=p / p.sum())
            continue
        parent = names[parents[node]]
        psize = len(dec[parent])
        # Smoothing only over values the column has: no missing cells, say, where the real has none.
        support = np.bincount(coded[name], minlength=size) > 0
        table = np.tile(alpha * support, (psize, 1)).astype(float)
        np.add.at(table, (coded[parent], coded[name]), 1)
        table /= table.sum(axis=1, keepdims=True)
        cum = np.cumsum(table, axis=1)
        u = rng.random(n)
        drawn[name] = np.minimum((cum[drawn[parent]] < u[:, None]).sum(axis=1), size - 1)
    out = {}
    for name in names:
        codes = drawn[name]
        values = np.empty(n, dtype=object)
        numeric = cols[name]['kind'] != 'category'
        for code in np.unique(codes):
            rows = np.flatnonzero(codes == code)
            how, what = dec[name][code]
            if how == 'value':
                values[rows] = what
            elif how == 'missing' or what is None or len(what) == 0:
                values[rows] = np.nan
            else:
                pick = what[rng.integers(0, len(what), len(rows))]
                if numeric and smooth > 0 and len(what) > 1:
                    lo, hi = float(np.min(what)), float(np.max(what))
                    pick = np.clip(pick.astype(float) + rng.normal(0, smooth * _bandwidth(what.astype(float)), len(rows)), lo, hi)
                values[rows] = pick
        out[name] = values.astype(float) if numeric else values
    return pd.DataFrame(out)


def sample_smote(real, meta, n, seed=0, condition=None, k_neighbors=5, variant='smote'):
    """SMOTE (imbalanced-learn): new rows of the `condition` class on the segments between a
    real row of that class and one of its nearest same-class neighbours; SMOTENC when there are
    categories. Missing cells are filled (median, most frequent) first."""
    from imblearn.over_sampling import SMOTE, SMOTENC, BorderlineSMOTE

    if not condition:
        raise ValueError('SMOTE makes rows of one class: give condition={target: class}')
    rng = np.random.default_rng(seed)
    cols = _columns(meta)
    target = meta['target']
    cls = str(condition[target])
    names = [c for c in modelled(meta) if c != target and real[c].notna().any()]
    X = real[names].copy()
    for c in names:
        if cols[c]['kind'] == 'category':
            X[c] = X[c].fillna(X[c].mode().iloc[0]).astype(str)
        else:
            X[c] = X[c].astype(float).fillna(X[c].median())
    y = real[target].astype(str).to_numpy()
    have = int((y == cls).sum())
    if have < 2:
        raise ValueError(f'class {cls!r} has {have} real row(s); SMOTE needs at least 2')
    k = max(1, min(k_neighbors, have - 1))
    cat_idx = [i for i, c in enumerate(names) if cols[c]['kind'] == 'category']
    strategy = {cls: have + int(n)}
    if cat_idx and len(cat_idx) < len(names):
        sampler = SMOTENC(categorical_features=cat_idx, sampling_strategy=strategy, k_neighbors=k, random_state=seed)
    elif variant == 'borderline':
        sampler = BorderlineSMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
    else:
        if cat_idx:  # categories only: one-hot would make SMOTE meaningless; sample them by frequency
            return sample_marginals(real, meta, n, seed, condition)
        sampler = SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
    Xr, yr = sampler.fit_resample(X, y)
    new = pd.DataFrame(Xr).iloc[len(X):].reset_index(drop=True)
    new.columns = names
    new[target] = cls
    return new.iloc[:n]
