"""`synth-split`: the one split of a synthesis run. Holds out 20 % of the rows (stratified on
the target when it is a class): their features go to `holdout/`, their target values to the
vault, which no sandbox mounts. The rest, typed, is what the generators learn from."""

import os

import numpy as np
import pandas as pd

from ..convert import as_text, to_datetime, to_float
from ..errors import InputError
from ..jsonfile import read_json, write_json
from ..split import clean_target, split_rows, _q
from ..tables import read_parquet, write_parquet

EPOCH = pd.Timestamp('1970-01-01')
MIN_ROWS = 30
MAX_CATEGORIES = 1000


def _decimals(text: pd.Series) -> int:
    frac = text.dropna().astype(str).str.extract(r'[.,](\d+)\s*%?\s*$')[0].dropna()
    return int(min(6, frac.str.len().max())) if len(frac) else 0


def typed_column(raw: pd.Series, info: dict, delimiter: str):
    """(values, column meta): the column as the generators see it."""
    meant, conversion = info['meant'], info['conversion']
    name = info['name']
    if meant == 'numeric':
        from ..profile import parse_options
        opts = parse_options(raw, conversion, delimiter)
        v = to_float(raw, conversion, opts.get('decimal') or '.')
        finite = v[np.isfinite(v)]
        whole = bool(len(finite) and np.all(np.equal(np.mod(finite, 1), 0)))
        meta = {'kind': 'number', 'integer': whole, 'decimals': 0 if whole else _decimals(as_text(raw)) + (2 if conversion == 'percent' else 0)}
        return v, meta
    if meant == 'datetime':
        from ..convert import detect_date_format
        fmt = detect_date_format(as_text(raw).dropna()) or 'iso'
        stamps = to_datetime(raw, fmt)
        days = (stamps - EPOCH) / pd.Timedelta(days=1)
        has_time = bool(((days.dropna() % 1) != 0).any())
        return days.astype(float), {'kind': 'date', 'integer': not has_time, 'decimals': None if has_time else 0, 'time': has_time}
    if meant in ('categorical', 'boolean'):
        return as_text(raw), {'kind': 'category'}
    if meant == 'id':
        text = as_text(raw)
        nums = pd.to_numeric(text, errors='coerce')
        integer = bool(nums.notna().all() and np.all(np.mod(nums, 1) == 0))
        return (nums.astype(float) if integer else text), {'kind': 'key', 'integer': integer}
    if meant == 'constant':
        text = as_text(raw).dropna()
        return as_text(raw), {'kind': 'constant', 'value': text.iloc[0] if len(text) else None}
    if meant == 'empty':
        return as_text(raw), {'kind': 'empty'}
    return as_text(raw), {'kind': 'text'}


def split_for_synthesis(table: str, profile: str, target: str, task: str, seed: int, holdout_fraction: float,
                        workspace: str, holdout: str, vault: str) -> dict:
    df = read_parquet(table)
    prof = read_json(profile)
    delimiter = prof.get('file', {}).get('delimiter', ',')
    infos = {c['name']: c for c in prof['columns']}
    if target not in df.columns:
        raise InputError('target_unusable', f'There is no column {_q(target)} in the table.')
    y = clean_target(df[target], infos[target], task, delimiter).rename(target)
    df = df[y.notna()]
    y = y[y.notna()]
    if len(df) < MIN_ROWS:
        raise InputError('target_unusable', f'The table has {len(df)} usable rows; at least {MIN_ROWS} are needed to learn '
                         'what rows look like and still hold some back to check the synthetic ones.')
    if task != 'regression' and y.nunique() < 2:
        raise InputError('target_unusable', f'Target {_q(target)} has only one class ({_q(y.iloc[0])}): there is no rare class '
                         'to augment and no model to judge the data by. Choose another --target.')
    train_idx, hold_idx, _rare = split_rows(y, task, holdout_fraction, seed)

    columns, typed = [], {}
    for name in df.columns:
        info = infos.get(name, {'name': name, 'meant': 'text', 'conversion': None})
        if name == target:
            values = y
            meta = {'kind': 'number', 'integer': False, 'decimals': None} if task == 'regression' else {'kind': 'category'}
            if task == 'regression':
                finite = values[np.isfinite(values)]
                meta['integer'] = bool(np.all(np.mod(finite, 1) == 0))
                meta['decimals'] = 0 if meta['integer'] else _decimals(as_text(df[target]))
        else:
            values, meta = typed_column(df[name], info, delimiter)
        meta = {'name': name, **meta}
        train = values.loc[train_idx]
        meta['missing'] = float(train.isna().mean())
        if meta['kind'] in ('number', 'date', 'key') and pd.api.types.is_float_dtype(train):
            finite = train[np.isfinite(train)]
            meta['min'] = float(finite.min()) if len(finite) else None
            meta['max'] = float(finite.max()) if len(finite) else None
        if meta['kind'] == 'category':
            counts = train.value_counts()
            if len(counts) > MAX_CATEGORIES:
                meta['kind'] = 'text'
            else:
                meta['categories'] = [str(c) for c in counts.index]
                meta['weights'] = [int(c) for c in counts.to_numpy()]
        columns.append(meta)
        typed[name] = values

    real = pd.DataFrame(typed)
    date_cols = [c['name'] for c in columns if c['kind'] == 'date']
    order = []
    for a in date_cols:
        for b in date_cols:
            if a == b:
                continue
            pa, pb = real.loc[train_idx, a], real.loc[train_idx, b]
            both = pa.notna() & pb.notna()
            if both.sum() >= 10 and (pa[both] <= pb[both]).all() and (pa[both] < pb[both]).any():
                order.append([a, b])

    for d in (workspace, holdout, vault):
        os.makedirs(d, exist_ok=True)
    write_parquet(real.loc[train_idx].reset_index(drop=True), os.path.join(workspace, 'real.parquet'))
    classes = None if task == 'regression' else sorted(y.loc[train_idx].unique().tolist())
    counts = None if task == 'regression' else {str(k): int(v) for k, v in y.loc[train_idx].value_counts().items()}
    meta = {'target': target, 'task': task, 'classes': classes, 'classCounts': counts, 'seed': int(seed),
            'trainRows': int(len(train_idx)), 'holdoutRows': int(len(hold_idx)), 'columns': columns, 'dateOrder': order}
    write_json(os.path.join(workspace, 'meta.json'), meta)
    write_parquet(real.loc[hold_idx, [c for c in real.columns if c != target]].reset_index(drop=True),
                  os.path.join(holdout, 'features.parquet'))
    write_json(os.path.join(vault, 'labels.json'), {'labels': y.loc[hold_idx].tolist()})
    return meta
