"""Per-prediction contributions: expected value + contributions equal the model's own raw
output (log-odds, raw class score, value), computed independently of the contribution code;
on data with planted effects the planted columns carry the contributions."""

import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from xgboost import XGBClassifier, XGBRegressor

from ouro_harness import Cleaner
from ouro_harness.contributions import NotExplainable, explain_rows
from ouro_harness.label_encoded import LabelEncoded
from ouro_harness.model import OuroModel

FEATURES = [
    {'name': 'dose', 'meant': 'numeric', 'conversion': None, 'categories': None},
    {'name': 'site', 'meant': 'categorical', 'conversion': None, 'categories': ['north', 'south', 'east']},
    {'name': 'noise_a', 'meant': 'numeric', 'conversion': None, 'categories': None},
    {'name': 'noise_b', 'meant': 'numeric', 'conversion': None, 'categories': None},
]
NUMERIC = ['dose', 'noise_a', 'noise_b']


def planted(n=600, seed=0):
    """dose and site drive the target; noise_a and noise_b do nothing."""
    rng = np.random.default_rng(seed)
    raw = pd.DataFrame({
        'dose': rng.normal(size=n).round(3).astype(str),
        'site': rng.choice(['north', 'south', 'east'], size=n),
        'noise_a': rng.normal(size=n).round(3).astype(str),
        'noise_b': rng.normal(size=n).round(3).astype(str),
    })
    raw.loc[::37, 'dose'] = None  # some missing values: an indicator column to fold back
    dose = pd.to_numeric(raw['dose']).fillna(0).to_numpy()
    signal = 2.0 * dose + raw['site'].map({'north': 1.5, 'south': -1.5, 'east': 0.0}).to_numpy()
    return raw, signal + 0.3 * rng.normal(size=n)


def wrap(final, encoding, task, y, raw):
    cleaner = Cleaner(FEATURES)
    X = cleaner.transform(raw)
    cat = OneHotEncoder(handle_unknown='ignore') if encoding == 'onehot' else OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1)
    pipe = make_pipeline(ColumnTransformer([
        ('num', make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), NUMERIC),
        ('cat', make_pipeline(SimpleImputer(strategy='most_frequent'), cat), ['site']),
    ]), final)
    pipe.fit(X, y)
    classes = None if task == 'regression' else sorted({str(v) for v in y})
    return OuroModel(cleaner, pipe, {'task': task, 'classes': classes, 'columns': list(X.columns)})


def raw_output(model, raw, task):
    """The model's additive output, straight from each library."""
    X = model.transform(raw)
    pre, final = model.estimator[:-1], model.estimator.steps[-1][1]
    Xt = pre.transform(X)
    if isinstance(final, LabelEncoded):
        final = final.estimator_
    if isinstance(final, (LGBMClassifier, LGBMRegressor)):
        out = final.predict(Xt, raw_score=True)
    elif isinstance(final, (XGBClassifier, XGBRegressor)):
        out = final.predict(Xt, output_margin=True)
    elif task == 'regression':
        out = final.predict(Xt)
    else:
        out = final.decision_function(Xt)
    out = np.asarray(out, dtype=float)
    if out.ndim == 2:  # multiclass: the score of the predicted class
        out = out[np.arange(len(out)), out.argmax(axis=1)]
    return out


CASES = [
    ('lightgbm regression', lambda: LGBMRegressor(n_estimators=40, verbose=-1), 'ordinal', 'regression'),
    ('lightgbm binary', lambda: LGBMClassifier(n_estimators=40, verbose=-1), 'ordinal', 'binary'),
    ('lightgbm multiclass', lambda: LGBMClassifier(n_estimators=40, verbose=-1), 'ordinal', 'multiclass'),
    ('xgboost regression', lambda: XGBRegressor(n_estimators=40), 'ordinal', 'regression'),
    ('xgboost multiclass', lambda: LabelEncoded(XGBClassifier(n_estimators=40)), 'ordinal', 'multiclass'),
    ('linear regression', lambda: Ridge(), 'onehot', 'regression'),
    ('linear binary', lambda: LogisticRegression(max_iter=1000), 'onehot', 'binary'),
    ('linear multiclass', lambda: LogisticRegression(max_iter=1000), 'onehot', 'multiclass'),
]


def target(signal, task):
    if task == 'regression':
        return signal
    if task == 'binary':
        return np.where(signal > 0, 'yes', 'no')
    return np.select([signal < -1, signal > 1], ['low', 'high'], 'mid')


@pytest.mark.parametrize('label,make,encoding,task', CASES, ids=[c[0] for c in CASES])
def test_contributions_add_up_to_the_raw_output_and_find_the_planted_columns(label, make, encoding, task):
    raw, signal = planted()
    model = wrap(make(), encoding, task, target(signal, task), raw)
    rows = raw.iloc[:80].astype(object).where(raw.iloc[:80].notna(), None).to_dict(orient='records')
    explained = explain_rows(model, rows)
    want = raw_output(model, raw.iloc[:80], task)
    for e, w in zip(explained, want):
        assert set(e['contributions']) == {'dose', 'site', 'noise_a', 'noise_b'}
        assert e['expected_value'] + sum(e['contributions'].values()) == pytest.approx(w, abs=1e-5)
        assert e['output'] == pytest.approx(w, abs=1e-5)
        assert e['scale'] == {'regression': 'value', 'binary': 'log_odds', 'multiclass': 'raw_score'}[task]
    if task == 'multiclass':
        predicted = model.predict(raw.iloc[:80])
        assert [e['class'] for e in explained] == list(predicted)
    strength = {c: np.mean([abs(e['contributions'][c]) for e in explained]) for c in ['dose', 'site', 'noise_a', 'noise_b']}
    assert sorted(strength, key=strength.get, reverse=True)[:2] == ['dose', 'site'] or \
        set(sorted(strength, key=strength.get, reverse=True)[:2]) == {'dose', 'site'}, strength


def test_a_forest_is_refused_with_the_reason():
    raw, signal = planted(200)
    model = wrap(RandomForestRegressor(n_estimators=5), 'ordinal', 'regression', signal, raw)
    with pytest.raises(NotExplainable, match='RandomForestRegressor'):
        explain_rows(model, [{'dose': '1', 'site': 'north', 'noise_a': '0', 'noise_b': '0'}])


def test_the_preprocessing_is_described_per_input_column():
    from ouro_harness.preprocessing import describe

    raw, signal = planted(200)
    steps = describe(wrap(Ridge(), 'onehot', 'regression', signal, raw))
    assert set(steps) == {'dose', 'site', 'noise_a', 'noise_b'}
    assert steps['dose'][0].startswith('missing values filled with the training mean (')
    assert 'plus a was-missing indicator; standardised (minus ' in steps['dose'][0]
    assert steps['site'] == ['missing values filled with the most frequent value ("east"); one-hot: 3 categories, unseen ones as all zeros'] or \
        steps['site'][0].startswith('missing values filled with the most frequent value ("')
    assert 'one-hot: 3 categories' in steps['site'][0]
