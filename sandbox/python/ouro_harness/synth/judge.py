"""`synth-judge`: ouro's own judgement of one generator's table, never the generator's claims.
Runs in a fresh sandbox that holds the real training rows, the holdout's features (no target)
and a host copy of the synthetic table. Writes the fidelity and privacy numbers, the synthetic
table with exact copies of real rows dropped, and the fixed evaluator's predictions for the
holdout — trained on the synthetic rows (or real + synthetic, for augmentation) and on the real
rows alone; the host scores both against the vault."""

import numpy as np
import pandas as pd
from scipy import stats

from ..jsonfile import read_json, write_json
from ..tables import read_parquet, write_parquet
from .frame import modelled

SAMPLE = 4000
EVAL_ROWS = 50_000


def coerce(synthetic: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """The synthetic table typed like the real one; a missing modelled column is a contract breach."""
    missing = [c for c in modelled(meta) if c not in synthetic.columns]
    if missing:
        raise ValueError(f'the synthetic table lacks column(s) {", ".join(missing[:5])}')
    out = synthetic.copy()
    for c in meta['columns']:
        if c['name'] not in out:
            continue
        if c['kind'] in ('number', 'date'):
            out[c['name']] = pd.to_numeric(out[c['name']], errors='coerce').astype(float)
        elif c['kind'] == 'category':
            s = out[c['name']]
            out[c['name']] = s.where(s.isna(), s.astype(str)).astype(object)
    return out


def row_keys(df: pd.DataFrame, names) -> pd.Series:
    parts = []
    for c in names:
        s = df[c]
        parts.append(s.round(9).astype(str) if pd.api.types.is_float_dtype(s) else s.astype(str))
    return pd.Series(['\x1f'.join(t) for t in zip(*parts)], index=df.index) if parts else pd.Series([''] * len(df))


def _sample(df, n, seed):
    return df if len(df) <= n else df.sample(n, random_state=seed)


def column_distances(real, syn, meta):
    out = {}
    for c in meta['columns']:
        name = c['name']
        if c['kind'] not in ('number', 'date', 'category'):
            continue
        if c['kind'] == 'category':
            p = real[name].astype(str).value_counts(normalize=True)
            q = syn[name].astype(str).value_counts(normalize=True)
            keys = p.index.union(q.index)
            out[name] = {'measure': 'tvd', 'value': float(0.5 * np.abs(p.reindex(keys, fill_value=0) - q.reindex(keys, fill_value=0)).sum())}
        else:
            a, b = real[name].dropna().to_numpy(float), syn[name].dropna().to_numpy(float)
            out[name] = {'measure': 'ks', 'value': float(stats.ks_2samp(a, b).statistic) if len(a) and len(b) else 1.0}
    return out


def _association(df, meta, names):
    kinds = {c['name']: c['kind'] for c in meta['columns']}
    k = len(names)
    m = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            a, b = df[names[i]], df[names[j]]
            both = a.notna() & b.notna()
            a, b = a[both], b[both]
            ca, cb = kinds[names[i]] == 'category', kinds[names[j]] == 'category'
            if len(a) < 3:
                v = 0.0
            elif not ca and not cb:
                v = abs(stats.spearmanr(a, b).statistic) if a.nunique() > 1 and b.nunique() > 1 else 0.0
            elif ca and cb:
                table = pd.crosstab(a.astype(str), b.astype(str)).to_numpy()
                v = float(stats.contingency.association(table, method='cramer')) if min(table.shape) > 1 else 0.0
            else:
                cat, num = (a, b) if ca else (b, a)
                groups = num.groupby(cat.astype(str))
                total = ((num - num.mean()) ** 2).sum()
                v = float(np.sqrt((groups.count() * (groups.mean() - num.mean()) ** 2).sum() / total)) if total > 0 else 0.0
            m[i, j] = m[j, i] = 0.0 if not np.isfinite(v) else v
    return m


def association_gap(real, syn, meta):
    names = [c for c in modelled(meta)][:25]
    if len(names) < 2:
        return 0.0
    diff = np.abs(_association(real, meta, names) - _association(syn, meta, names))
    return float(diff[np.triu_indices(len(names), 1)].mean())


def _encoder(meta, names):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OrdinalEncoder

    kinds = {c['name']: c['kind'] for c in meta['columns']}
    cats = [n for n in names if kinds[n] == 'category']
    nums = [n for n in names if kinds[n] != 'category']
    enc = ColumnTransformer([
        ('num', 'passthrough', nums),
        ('cat', OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1, encoded_missing_value=-1, max_categories=250), cats),
    ], verbose_feature_names_out=False)
    return enc, [False] * len(nums) + [True] * len(cats)


def discriminator_auc(real, syn, meta, seed):
    """AUC of a fixed classifier telling real from synthetic rows (3-fold): 0.5 = indistinguishable."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    n = min(len(real), len(syn), SAMPLE)
    if n < 20:
        return None
    both = pd.concat([_sample(real, n, seed), _sample(syn, n, seed)], ignore_index=True)
    y = np.r_[np.zeros(n), np.ones(n)]
    names = modelled(meta)
    for c in names:
        if both[c].dtype == object:
            both[c] = both[c].astype(object).where(both[c].notna(), np.nan)
    enc, mask = _encoder(meta, names)
    model = make_pipeline(enc, HistGradientBoostingClassifier(max_iter=60, categorical_features=mask, random_state=0))
    # Shuffled folds: a table sorted by a column (penguins by species) would otherwise put all the
    # real rows of one kind in one fold and make the AUC fall far below 0.5.
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    p = cross_val_predict(model, both[names], y, cv=folds, method='predict_proba')[:, 1]
    return float(roc_auc_score(y, p))


def _gower_space(real, meta, names):
    """A matrix where the L1 distance is Gower's (numbers over their range, categories 0/1)."""
    kinds = {c['name']: c for c in meta['columns']}

    def encode(df):
        blocks = []
        for c in names:
            if kinds[c]['kind'] == 'category':
                cats = kinds[c]['categories'][:50]
                s = df[c].astype(str).to_numpy()
                blocks.append(np.column_stack([(s == v) * 0.5 for v in cats]) if cats else np.zeros((len(df), 0)))
            else:
                r = real[c].astype(float)
                lo, span = np.nanmin(r), max(float(np.nanmax(r) - np.nanmin(r)), 1e-12)
                v = (df[c].astype(float).to_numpy() - lo) / span
                miss = np.isnan(v)
                blocks.append(np.column_stack([np.where(miss, 0.5, v), miss * 1.0]))
        return np.hstack(blocks) / max(len(names), 1)
    return encode


def privacy(real, syn, holdout, meta, seed):
    """Distance to the closest real training row (DCR) of synthetic rows against that of the
    holdout's real rows (features only: the holdout's target is in the vault)."""
    from sklearn.neighbors import NearestNeighbors

    target = meta['target']
    names = [c for c in modelled(meta) if c != target and c in holdout.columns]
    if not names:
        return {'dcrSynthetic': None, 'dcrHoldout': None, 'dcrRatio': None, 'closerThanHoldout5pct': None}
    encode = _gower_space(real, meta, names)
    base = encode(_sample(real, 20_000, seed))
    nn = NearestNeighbors(n_neighbors=1, metric='manhattan').fit(base)
    d_syn = nn.kneighbors(encode(_sample(syn, 2000, seed)))[0][:, 0]
    d_hold = nn.kneighbors(encode(_sample(holdout, 2000, seed)))[0][:, 0]
    med_s, med_h = float(np.median(d_syn)), float(np.median(d_hold))
    p5 = float(np.quantile(d_hold, 0.05))
    return {'dcrSynthetic': med_s, 'dcrHoldout': med_h, 'dcrRatio': (med_s / med_h) if med_h > 0 else None,
            'closerThanHoldout5pct': float((d_syn < p5).mean()) if p5 > 0 else float((d_syn <= 0).mean())}


def rare_and_outliers(real, syn, meta):
    """Rare real categories (≤ 2 training rows) and real outliers (beyond 3 IQR) that reappear."""
    rare_total = rare_seen = 0
    out_total = out_seen = 0
    for c in meta['columns']:
        name = c['name']
        if c['kind'] == 'category':
            counts = real[name].astype(str).value_counts()
            rare = set(counts[counts <= 2].index) - {'nan'}
            rare_total += len(rare)
            rare_seen += len(rare & set(syn[name].astype(str).unique()))
        elif c['kind'] in ('number', 'date'):
            v = real[name].dropna().to_numpy(float)
            if len(v) < 10:
                continue
            q1, q3 = np.quantile(v, [0.25, 0.75])
            iqr = q3 - q1
            outliers = np.unique(v[(v < q1 - 3 * iqr) | (v > q3 + 3 * iqr)]) if iqr > 0 else np.array([])
            out_total += len(outliers)
            out_seen += int(np.isin(outliers, syn[name].dropna().to_numpy(float)).sum())
    return {'rareCategories': rare_total, 'rareCategoriesReproduced': rare_seen,
            'outlierValues': out_total, 'outlierValuesReproduced': out_seen}


def evaluator_predictions(train: pd.DataFrame, holdout: pd.DataFrame, meta: dict, seed: int) -> dict:
    """The fixed evaluator (histogram gradient boosting, fixed settings) trained on `train`,
    predicting the holdout's features. The same model for every table, so scores compare."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.pipeline import make_pipeline

    target, task = meta['target'], meta['task']
    names = [c for c in modelled(meta) if c != target and c in holdout.columns]
    train = _sample(train[train[target].notna()], EVAL_ROWS, seed)
    enc, mask = _encoder(meta, names)
    X, Xh = train[names], holdout[names]
    params = dict(max_iter=100, learning_rate=0.1, max_leaf_nodes=31, early_stopping=False, random_state=0, categorical_features=mask)
    if task == 'regression':
        model = make_pipeline(enc, HistGradientBoostingRegressor(**params)).fit(X, train[target].astype(float))
        return {'predictions': model.predict(Xh).tolist(), 'probabilities': None, 'classes': None}
    classes = [str(c) for c in meta['classes']]
    y = train[target].astype(str)
    if y.nunique() < 2:  # a table of one class can only predict that class
        only = y.iloc[0] if len(y) else classes[0]
        proba = [[1.0 if c == only else 0.0 for c in classes] for _ in range(len(Xh))]
        return {'predictions': [only] * len(Xh), 'probabilities': proba, 'classes': classes}
    model = make_pipeline(enc, HistGradientBoostingClassifier(**params)).fit(X, y)
    raw = model.predict_proba(Xh)
    learned = [str(c) for c in model.classes_]
    proba = np.zeros((len(Xh), len(classes)))
    for j, c in enumerate(learned):
        if c in classes:
            proba[:, classes.index(c)] = raw[:, j]
    return {'predictions': [str(p) for p in model.predict(Xh)], 'probabilities': proba.tolist(), 'classes': classes}


def judge(real_path, synthetic_path, holdout_path, meta_path, purpose, out, clean_out, predictions, baseline=None) -> dict:
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime, so the limit below reaches it)
    from threadpoolctl import threadpool_limits

    # One thread: the tables are small, and OpenMP threads fighting for a busy machine's cores
    # made the judge ten times slower than a single thread.
    with threadpool_limits(1):
        return _judge(real_path, synthetic_path, holdout_path, meta_path, purpose, out, clean_out, predictions, baseline)


def _judge(real_path, synthetic_path, holdout_path, meta_path, purpose, out, clean_out, predictions, baseline=None) -> dict:
    meta = read_json(meta_path)
    real = read_parquet(real_path)
    holdout = read_parquet(holdout_path)
    seed = int(meta.get('seed', 0))
    try:
        syn = coerce(read_parquet(synthetic_path), meta)
    except Exception as err:  # the table came from generated code: a breach is a finding, not a crash
        result = {'ok': False, 'problem': f'the synthetic table could not be read: {str(err)[:300]}'}
        write_json(out, result)
        return result
    names = modelled(meta)
    copies = row_keys(syn, names).isin(set(row_keys(real, names)))
    syn = syn[~copies.to_numpy()].reset_index(drop=True)
    write_parquet(syn, clean_out)
    result = {'ok': True, 'rows': int(len(syn)), 'copiesDropped': int(copies.sum())}
    if len(syn) == 0:
        result.update({'ok': False, 'problem': 'every synthetic row was an exact copy of a real one'})
        write_json(out, result)
        return result
    # Augmentation makes rows of one class: compare them with the real rows of that class, or
    # the discriminator would only learn the target column.
    ref = real
    if purpose == 'augment' and meta['task'] != 'regression':
        ref = real[real[meta['target']].astype(str).isin(set(syn[meta['target']].dropna().astype(str)))]
        ref = ref if len(ref) >= 10 else real
    rs, ss = _sample(ref, SAMPLE, seed), _sample(syn, SAMPLE, seed)
    dists = column_distances(rs, ss, meta)
    result['columns'] = dists
    result['meanColumnDistance'] = float(np.mean([d['value'] for d in dists.values()])) if dists else 0.0
    result['associationGap'] = association_gap(rs, ss, meta)
    result['discriminatorAuc'] = discriminator_auc(ref, syn, meta, seed)
    result.update(privacy(real, syn, holdout, meta, seed))
    result.update(rare_and_outliers(real, syn, meta))
    train = pd.concat([real, syn[real.columns.intersection(syn.columns)]], ignore_index=True) if purpose == 'augment' else syn
    write_json(predictions, evaluator_predictions(train, holdout, meta, seed))
    if baseline:
        write_json(baseline, evaluator_predictions(real, holdout, meta, seed))
    write_json(out, result)
    return result
