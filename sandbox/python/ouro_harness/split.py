"""The one split of a run: clean the target, hold out a stratified sample for the final
check (its labels go to the vault, which no experiment sees), and write the workspace the
experiments train on."""

import os

import numpy as np
import pandas as pd

from . import __version__ as HARNESS_VERSION
from .convert import as_text, parse_datetime
from .errors import InputError
from .jsonfile import read_json, write_json
from .leakage import find_leakage_suspects
from .metrics import TASK_METRICS
from .profile import analyze_column, convert_values, parse_options
from .tables import read_parquet, write_parquet

MAX_HOLDOUT_ROWS = 100_000
MIN_ROWS = 10
MAX_CATEGORIES = 200
NOT_FEATURES = {
    'id': 'looks like a row identifier',
    'constant': 'has the same value in every row',
    'empty': 'is empty in every row',
}


def _q(value) -> str:
    return "'" + str(value).replace("'", '\u2019') + "'"


def _unusable(message: str) -> InputError:
    return InputError('target_unusable', message)


def _resolve_target(columns, target: str) -> str:
    if target in columns:
        return target
    loose = [c for c in columns if c.strip().lower() == target.strip().lower()]
    if len(loose) == 1:
        return loose[0]
    shown = ', '.join(_q(c) for c in list(columns)[:30])
    raise _unusable(f'There is no column {_q(target)} in the table; the columns are {shown}.')


def clean_target(raw: pd.Series, info: dict, task: str, delimiter: str) -> pd.Series:
    """str labels (classification) or floats (regression); NaN where unusable."""
    text = as_text(raw)
    name = info['name']
    if task != 'regression':
        return text
    present = text.dropna()
    if info['meant'] == 'boolean':
        raise _unusable(f'Target {_q(name)} holds yes/no values; choose binary classification, not regression.')
    if info['meant'] == 'datetime':
        raise _unusable(f'Target {_q(name)} holds dates, not amounts; regression needs a numeric target.')
    conversion = info['conversion'] if info['meant'] == 'numeric' else 'numeric_text'
    values = convert_values(text, conversion, parse_options(raw, conversion, delimiter))
    if len(present) and values.notna().sum() < 0.95 * len(present):
        example = present[values.loc[present.index].isna()].iloc[0]
        raise _unusable(f'Target {_q(name)} holds text values like {_q(example)}, not numbers, so regression '
                        'cannot use it; choose classification (binary or multiclass) instead.')
    return values.astype(float)


def _holdout_size(n: int, fraction: float) -> int:
    return min(max(1, int(round(n * fraction))), MAX_HOLDOUT_ROWS)


def _allocate(counts: np.ndarray, n_hold: int) -> np.ndarray:
    """Holdout rows per class, proportional to its count (largest remainders first), each class
    keeping at least one training row."""
    shares = counts * n_hold / counts.sum()
    take = np.floor(shares).astype(int)
    order = np.lexsort((-counts, -(shares - take)))  # largest remainder, then largest class
    spare = n_hold - int(take.sum())
    for i in np.concatenate([order, order]):  # a second pass hands on what a capped class could not take
        if spare <= 0:
            break
        if take[i] < counts[i] - 1:
            take[i] += 1
            spare -= 1
    return np.minimum(take, counts - 1)


def split_rows(y: pd.Series, task: str, fraction: float, seed: int):
    """(train index, holdout index, classes kept in training only) over y's index. Seeded numpy
    shuffles (stratified by class for classification) rather than scikit-learn's
    train_test_split: the split then imports no scikit-learn, whose import is most of the
    split's time on a small table."""
    index = y.index.to_numpy()
    n_hold = _holdout_size(len(index), fraction)
    rng = np.random.default_rng(seed)
    if task == 'regression':
        order = rng.permutation(len(index))
        return np.sort(index[order[n_hold:]]), np.sort(index[order[:n_hold]]), []
    counts = y.value_counts()
    rare = sorted(counts[counts < 2].index.tolist())
    strat = y[~y.isin(rare)]
    n_classes = strat.nunique()
    n_hold = min(max(n_hold, n_classes), len(strat) - n_classes)
    if n_classes < 2 or n_hold < 1:
        raise _unusable(f'Target {_q(y.name)} has too few rows per class to hold any out for the final check.')
    classes = sorted(strat.unique())
    values = strat.to_numpy()
    members = [strat.index.to_numpy()[values == c] for c in classes]
    take = _allocate(np.array([len(m) for m in members]), n_hold)
    hold = np.concatenate([m[rng.permutation(len(m))[:k]] for m, k in zip(members, take)])
    train = np.setdiff1d(index, hold)
    return np.sort(train), np.sort(hold), rare


def feature_spec(raw_all: pd.Series, raw_train: pd.Series, info: dict, delimiter: str) -> dict:
    meant, conversion = info['meant'], info['conversion']
    spec = {'name': info['name'], 'meant': meant, 'conversion': conversion, 'categories': None}
    spec.update(parse_options(raw_all, conversion, delimiter))
    if meant == 'categorical':
        counts = as_text(raw_train).value_counts()
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        spec['categories'] = [k for k, _ in ordered[:MAX_CATEGORIES]]
    if meant == 'datetime':
        spec['time'] = bool(parse_datetime(as_text(raw_train).dropna(), spec['format'])[1].any())
    return spec


def _class_findings(name: str, counts: pd.Series, rare: list) -> list:
    out = []
    if rare:
        shown = ', '.join(_q(c) for c in rare[:5]) + (f' and {len(rare) - 5} more' if len(rare) > 5 else '')
        if len(rare) == 1:
            out.append(f'Class {shown} has only one row; it stays in training, so the holdout cannot measure it.')
        else:
            out.append(f'Classes {shown} have one row each; they stay in training, so the holdout cannot '
                       'measure them.')
    share = counts / counts.sum()
    if len(counts) >= 2 and share.min() < 0.1:
        out.append(f'The classes are imbalanced: {_q(share.idxmin())} is {share.min():.1%} of the training rows '
                   f'and {_q(share.idxmax())} is {share.max():.1%}.')
    if len(counts) > 50:
        out.append(f'Target {_q(name)} has {len(counts)} classes; if its values are amounts, regression may suit '
                   'it better.')
    return out


def split_table(table: str, profile: str, target: str, task: str, metric: str, seed: int,
                holdout_fraction: float, workspace: str, holdout: str, vault: str) -> dict:
    if task not in TASK_METRICS:
        raise ValueError(f'task must be one of {sorted(TASK_METRICS)}, not {task!r}')
    if metric not in TASK_METRICS[task]:
        raise ValueError(f'metric {metric!r} does not fit task {task!r}; use one of {TASK_METRICS[task]}')
    if not 0 < holdout_fraction < 1:
        raise ValueError(f'holdout fraction must be between 0 and 1, not {holdout_fraction}')
    df = read_parquet(table)
    prof = read_json(profile)
    delimiter = prof.get('file', {}).get('delimiter', ',')
    infos = {c['name']: c for c in prof['columns']}
    for name in df.columns:
        if name not in infos:
            infos[name] = {k: v for k, v in analyze_column(df[name], name, delimiter).items()
                           if not k.startswith('_')}
    target = _resolve_target(list(df.columns), target)

    y_all = clean_target(df[target], infos[target], task, delimiter).rename(target)
    keep = y_all.notna()
    dropped_rows = int((~keep).sum())
    y = y_all[keep]
    findings = []
    if y.empty:
        raise _unusable(f'Target {_q(target)} is empty in every row; there is nothing to learn.')
    if len(y) < MIN_ROWS:
        raise _unusable(f'Only {len(y)} rows have a value for {_q(target)}; at least {MIN_ROWS} are needed.')
    if task == 'regression':
        if y.nunique() < 2:
            raise _unusable(f'Target {_q(target)} has the same value ({y.iloc[0]:g}) in every row; '
                            'there is nothing to learn.')
    else:
        classes_all = y.value_counts()
        if len(classes_all) < 2:
            raise _unusable(f'Target {_q(target)} has only one class ({_q(classes_all.index[0])}); '
                            'a model needs at least two to tell apart.')
        if task == 'binary' and len(classes_all) > 2:
            raise _unusable(f'Target {_q(target)} has {len(classes_all)} classes '
                            f'({", ".join(_q(c) for c in sorted(classes_all.index)[:5])}'
                            f'{", ..." if len(classes_all) > 5 else ""}); choose multiclass, not binary.')
    if dropped_rows:
        what = 'a missing or non-numeric' if task == 'regression' else 'no value for'
        findings.append(f'{dropped_rows} row{"s" if dropped_rows > 1 else ""} with {what} {_q(target)} '
                        f'{"are" if dropped_rows > 1 else "is"} left out.')

    train_idx, hold_idx, rare = split_rows(y, task, holdout_fraction, seed)
    y_train, y_hold = y.loc[train_idx], y.loc[hold_idx]
    findings.append(f'Holding out {len(hold_idx)} rows for the final check; experiments train on {len(train_idx)}.')

    pairs = prof.get('duplicateColumns') or []
    copies = {b: a for a, b in pairs if a != target and b != target}
    features, dropped = [], []
    train_rows = df.loc[train_idx]  # once: per-column .loc on a wide table costs a second per thousand columns
    for name in df.columns:
        if name == target:
            continue
        info = infos[name]
        if info['meant'] in NOT_FEATURES:
            dropped.append({'name': name, 'why': f'{_q(name)} {NOT_FEATURES[info["meant"]]}'})
        elif name in copies:
            dropped.append({'name': name, 'why': f'{_q(name)} holds the same values as {_q(copies[name])}'})
        else:
            features.append(feature_spec(df[name], train_rows[name], info, delimiter))

    train_raw = train_rows[[f['name'] for f in features]]
    # Free text is screened by no single-column model (each row's words are nearly unique).
    suspects = find_leakage_suspects(train_raw, y_train, [f for f in features if f['meant'] != 'text'], task, seed)
    for s in suspects:
        findings.append(f"Possible leakage: {s['why']}")

    classes = None
    class_counts = None
    target_mean = target_std = None
    if task == 'regression':
        target_mean, target_std = float(y_train.mean()), float(y_train.std(ddof=0))
        if (y_train > 0).all() and y_train.skew() > 2:
            findings.append(f'Target {_q(target)} is strongly right-skewed; modelling its logarithm may help.')
    else:
        counts = y_train.value_counts()
        classes = sorted(counts.index.tolist())
        class_counts = {c: int(counts[c]) for c in classes}
        findings += _class_findings(target, counts, rare)
        unseen = sorted(set(y_hold) - set(classes))
        if unseen:
            findings.append(f'The holdout has classes never seen in training: {", ".join(map(_q, unseen))}.')

    train_out = train_raw.copy()
    train_out[target] = y_train.to_numpy()
    write_parquet(train_out.reset_index(drop=True), os.path.join(workspace, 'train.parquet'))
    schema = {
        'target': target, 'task': task, 'metric': metric, 'classes': classes, 'seed': int(seed),
        'features': features, 'dropped': dropped, 'harness': HARNESS_VERSION,
    }
    write_json(os.path.join(workspace, 'schema.json'), schema)
    hold_features = df.loc[hold_idx, [c for c in df.columns if c != target]]
    write_parquet(hold_features.reset_index(drop=True), os.path.join(holdout, 'features.parquet'))
    write_json(os.path.join(vault, 'labels.json'), {'labels': y_hold.tolist()})
    analysis = {
        'target': target, 'task': task,
        'trainRows': int(len(train_idx)), 'holdoutRows': int(len(hold_idx)), 'droppedRows': dropped_rows,
        'classCounts': class_counts, 'classes': classes,
        'targetMean': target_mean, 'targetStd': target_std,
        'leakageSuspects': suspects, 'findings': findings,
    }
    write_json(os.path.join(vault, 'analysis.json'), analysis)
    return analysis
