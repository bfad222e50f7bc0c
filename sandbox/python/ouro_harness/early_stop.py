"""How many boosting rounds a model needs, found by early stopping instead of a fixed count.

    model = choose_rounds(model, X, y)   # sets n_estimators on the pipeline's booster

One seeded tenth of the training rows (stratified for classes) is held out; the pipeline's
preprocessing is fitted on the other nine tenths, the booster is grown on them until the
held-out loss has not improved for `patience` rounds, and the best round count (scaled up by
a tenth, since the final fit sees all rows) is set on the model. Cross-validation then runs
with that fixed count, so each fold is fitted on its own training rows only.
"""

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from .api import task_info


def _booster_step(model):
    """(name, estimator) of the last step when it is a booster that supports early stopping."""
    last = model.steps[-1] if hasattr(model, 'steps') else (None, model)
    kind = type(last[1]).__name__
    return last if kind.startswith('LGBM') else (None, None)


def choose_rounds(model, X, y, fraction: float = 0.1, patience: int = 30, min_rounds: int = 20):
    """Returns `model` with its booster's n_estimators set by early stopping (unchanged when the
    last step is not a LightGBM model; on fewer than 200 rows, about 10 / learning_rate)."""
    name, booster = _booster_step(model)
    if booster is None:
        return model
    key = f'{name}__n_estimators' if name is not None and hasattr(model, 'steps') else 'n_estimators'
    if len(y) < 200:
        # Too few rows to hold out a tenth worth stopping on; the cap the caller set assumed early
        # stopping (2,000 or 3,000 trees). About ten "learning-rate units" of boosting instead.
        rate = float(booster.get_params().get('learning_rate') or 0.1)
        rounds = min(int(booster.get_params()['n_estimators']), max(min_rounds, int(round(10 / rate))))
        model.set_params(**{key: rounds})
        print(f'early stopping: {len(y)} rows are too few to hold out; {rounds} rounds at learning rate {rate:g}')
        return model
    info = task_info()
    y_values = np.asarray(y)
    stratify = None
    if info['task'] != 'regression':
        counts = np.unique(y_values.astype(str), return_counts=True)[1]
        stratify = y_values.astype(str) if counts.min() >= 2 else None
    train, valid = train_test_split(np.arange(len(y_values)), test_size=fraction, random_state=info['seed'], stratify=stratify)
    take = (lambda d, i: d.iloc[i]) if hasattr(X, 'iloc') else (lambda d, i: np.asarray(d)[i])
    prep = clone(model[:-1]) if hasattr(model, 'steps') and len(model.steps) > 1 else None
    X_train, X_valid = take(X, train), take(X, valid)
    if prep is not None:
        X_train = prep.fit_transform(X_train, take(y, train))
        X_valid = prep.transform(X_valid)
    from lightgbm import early_stopping
    trial = clone(booster)
    trial.fit(X_train, y_values[train], eval_set=[(X_valid, y_values[valid])], callbacks=[early_stopping(patience, verbose=False)])
    best = getattr(trial, 'best_iteration_', None) or trial.n_estimators
    rounds = max(min_rounds, int(round(best * (1 + fraction))))
    model.set_params(**{key: rounds})
    print(f'early stopping: {best} rounds on the held-out tenth, {rounds} for the full fit')
    return model
