import json
import math
import random

import joblib
import numpy as np
import pytest
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score, mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC

import ouro_harness as oh
from conftest import read_json, write_file
from ouro_harness.tables import read_parquet


def _workspace(cli, tmp_path, task='binary', metric='roc_auc', seed=4):
    rng = random.Random(9)
    lines = ['id,outcome,income,region,opened,amount']
    for i in range(150):
        income = rng.uniform(10, 100)
        region = rng.choice(['north', 'south', 'east'])
        p = 1 / (1 + math.exp(-(income - 55) / 10 - (region == 'north')))
        outcome = ('Yes' if rng.random() < p else 'No') if task != 'regression' else f'{income * 3 + rng.gauss(0, 5):.2f}'
        income_text = '' if i % 17 == 0 else f'{income:.1f}'
        lines.append(f'{i + 1},{outcome},{income_text},{region},2023-{1 + i % 12:02d}-{1 + i % 27:02d},'
                     f'"${rng.randint(1, 9000):,}"')
    path = write_file(tmp_path, 'data.csv', '\n'.join(lines) + '\n')
    assert cli('inspect', '--input', path, '--profile', tmp_path / 'p.json', '--table', tmp_path / 't.parquet')[0] == 0
    code, _, err = cli('split', '--table', tmp_path / 't.parquet', '--profile', tmp_path / 'p.json',
                       '--target', 'outcome', '--task', task, '--metric', metric, '--seed', seed,
                       '--workspace', tmp_path / 'workspace', '--holdout', tmp_path / 'holdout',
                       '--vault', tmp_path / 'vault')
    assert code == 0, err
    return tmp_path / 'workspace'


def _pipeline(final):
    pre = ColumnTransformer([
        ('num', make_pipeline(SimpleImputer(), StandardScaler()), make_column_selector(dtype_include='number')),
        ('cat', make_pipeline(SimpleImputer(strategy='most_frequent'), OneHotEncoder(handle_unknown='ignore')),
         make_column_selector(dtype_include=object)),
    ])
    return make_pipeline(pre, final)


@pytest.fixture
def experiment(cli, tmp_path, monkeypatch):
    def make(**kwargs):
        _workspace(cli, tmp_path, **kwargs)
        folder = tmp_path / 'experiments' / 'n1'
        folder.mkdir(parents=True)
        monkeypatch.chdir(folder)  # the default data dir is ../../workspace
        return folder
    return make


def test_load_train_gives_floats_and_strings(experiment):
    experiment()
    X, y = oh.load_train()
    assert list(X.columns) == ['income', 'region', 'opened__year', 'opened__month', 'opened__day',
                               'opened__dayofweek', 'opened__epoch_days', 'amount']
    assert X['region'].dtype == object and all(X[c].dtype == float for c in X.columns if c != 'region')
    assert X['income'].isna().sum() > 0
    assert y.dtype == object and set(y) == {'No', 'Yes'} and len(X) == len(y) == 120
    assert oh.task_info() == {'task': 'binary', 'metric': 'roc_auc', 'target': 'outcome',
                              'classes': ['No', 'Yes'], 'seed': 4}
    X2, _ = oh.load_train(drop=['region', 'id'], max_rows=50)
    assert 'region' not in X2.columns and len(X2) == 50
    with pytest.raises(KeyError, match='nope'):
        oh.load_train(drop=['nope'])


def test_cross_validate_roc_auc_uses_sorted_positive_class(experiment):
    experiment()
    X, y = oh.load_train()
    model = _pipeline(LogisticRegression(max_iter=500))
    scores = oh.cross_validate(model, X, y, folds=4)
    expected = []
    for train, test in StratifiedKFold(4, shuffle=True, random_state=4).split(X, y):
        fitted = model.fit(X.iloc[train], y.iloc[train])
        column = list(fitted.classes_).index('Yes')
        expected.append(roc_auc_score(y.iloc[test] == 'Yes', fitted.predict_proba(X.iloc[test])[:, column]))
    assert scores['metric'] == 'roc_auc' and scores['folds'] == 4
    np.testing.assert_allclose(scores['fold_scores'], expected)
    assert scores['mean'] == pytest.approx(np.mean(expected)) and scores['std'] == pytest.approx(np.std(expected))
    assert set(scores['all']) == {'roc_auc', 'log_loss', 'f1_macro', 'accuracy'}


def test_cross_validate_without_probabilities_uses_decision_scores(experiment):
    experiment()
    X, y = oh.load_train()
    scores = oh.cross_validate(_pipeline(LinearSVC()), X, y, folds=3)
    assert 0.5 < scores['mean'] <= 1 and 'log_loss' not in scores['all']


def test_cross_validate_regression_rmse(experiment):
    experiment(task='regression', metric='rmse')
    X, y = oh.load_train()
    assert y.dtype == float
    model = _pipeline(Ridge())
    scores = oh.cross_validate(model, X, y, folds=3)
    expected = [math.sqrt(mean_squared_error(y.iloc[te], model.fit(X.iloc[tr], y.iloc[tr]).predict(X.iloc[te])))
                for tr, te in KFold(3, shuffle=True, random_state=4).split(X)]
    np.testing.assert_allclose(scores['fold_scores'], expected)
    assert set(scores['all']) == {'rmse', 'mae', 'r2'}


def test_a_failing_fold_raises(experiment):
    experiment()
    X, y = oh.load_train()
    with pytest.raises(ValueError, match='could not convert string to float'):
        oh.cross_validate(LogisticRegression(), X, y)  # the str column reaches the estimator


def test_save_model_wraps_cleaner_and_predicts_raw_rows(experiment):
    folder = experiment()
    X, y = oh.load_train(drop=['amount'])
    model = _pipeline(LogisticRegression(max_iter=500))
    with pytest.raises(NotFittedError):
        oh.save_model(model, X)
    model.fit(X, y)
    oh.save_model(model, X)
    signature = read_json(folder / 'model' / 'signature.json')
    assert [i['name'] for i in signature['inputs']] == ['income', 'region', 'opened']
    assert [i['dtype'] for i in signature['inputs']] == ['number', 'string', 'datetime']
    assert signature['classes'] == ['No', 'Yes'] and signature['harness'] == '1'
    assert signature['created'].endswith('Z')

    saved = joblib.load(folder / 'model' / 'model.joblib')
    assert isinstance(saved, oh.OuroModel)
    rows = [{'income': '90.5', 'region': 'north', 'opened': '2023-05-01', 'extra': 1},
            {'income': 12, 'region': 'nowhere', 'opened': None}]
    assert saved.predict(rows).tolist() == ['Yes', 'No']
    proba = saved.predict_proba(rows)
    assert proba.shape == (2, 2) and np.allclose(proba.sum(axis=1), 1)
    with pytest.raises(oh.MissingColumnError, match="missing input column 'region'"):
        saved.predict([{'income': 1, 'opened': '2023-01-01'}])


def test_save_model_refuses_columns_it_cannot_rebuild(experiment):
    experiment()
    X, y = oh.load_train()
    X['ratio'] = X['income'] / X['amount']
    model = _pipeline(LogisticRegression(max_iter=500)).fit(X, y)
    with pytest.raises(ValueError, match=r"cannot rebuild.*'ratio'"):
        oh.save_model(model, X)


def test_write_metrics(experiment):
    folder = experiment()
    oh.write_metrics({'metric': 'roc_auc', 'mean': 0.9, 'std': float('nan')}, family='logreg', n=np.int64(3))
    assert json.loads((folder / 'metrics.json').read_text()) == {
        'metric': 'roc_auc', 'mean': 0.9, 'std': None, 'family': 'logreg', 'n': 3}


def _raw_workspace(tmp_path, monkeypatch, frame, features, task, metric, classes):
    from ouro_harness.jsonfile import write_json
    from ouro_harness.tables import write_parquet
    workspace = tmp_path / 'ws'
    write_parquet(frame, workspace / 'train.parquet')
    write_json(workspace / 'schema.json', {'target': 'label', 'task': task, 'metric': metric, 'classes': classes,
                                           'seed': 0, 'features': features, 'dropped': []})
    monkeypatch.setenv('OURO_DATA_DIR', str(workspace))
    monkeypatch.chdir(tmp_path)


@pytest.mark.filterwarnings('ignore:The least populated class')
def test_cross_validate_with_a_class_missing_from_some_folds(tmp_path, monkeypatch):
    import pandas as pd
    rng = np.random.default_rng(0)
    x = rng.normal(size=61)
    labels = np.where(x > 0.5, 'high', np.where(x < -0.5, 'low', 'mid')).astype(object)
    labels[0] = 'single'
    frame = pd.DataFrame({'x': [f'{v:.4f}' for v in x], 'label': labels})
    _raw_workspace(tmp_path, monkeypatch, frame, [{'name': 'x', 'meant': 'numeric', 'conversion': None,
                                                   'categories': None}],
                   'multiclass', 'log_loss', ['high', 'low', 'mid', 'single'])
    X, y = oh.load_train()
    scores = oh.cross_validate(LogisticRegression(), X, y, folds=3)
    assert scores['folds'] == 3 and all(np.isfinite(scores['fold_scores']))
    assert 0 < scores['all']['roc_auc'] <= 1


def test_save_model_refuses_a_model_fitted_on_encoded_labels(experiment):
    experiment()
    X, y = oh.load_train()
    model = _pipeline(LogisticRegression(max_iter=500)).fit(X, (y == 'Yes').astype(int))
    with pytest.raises(ValueError, match=r"predicts labels \['0', '1'\] that are not classes of the target \['No', 'Yes'\]"):
        oh.save_model(model, X)


def test_label_encoded_wrapper_round_trips_string_labels(experiment):
    folder = experiment()
    X, y = oh.load_train()
    model = _pipeline(oh.LabelEncoded(LogisticRegression(max_iter=500)))
    scores = oh.cross_validate(model, X, y, folds=3)
    assert 0.5 < scores['mean'] <= 1
    model.fit(X, y)
    saved = oh.save_model(model, X)
    holdout = read_parquet(folder.parent.parent / 'holdout' / 'features.parquet')
    assert set(saved.predict(holdout).tolist()) == {'No', 'Yes'}


def test_blend_select_gives_a_useless_model_no_weight_and_scores_nested(experiment):
    from sklearn.dummy import DummyClassifier
    experiment()
    X, y = oh.load_train()
    linear = _pipeline(LogisticRegression(max_iter=500))
    # The constant comes first: neither the start (the two best) nor a tie may let it in.
    models = [_pipeline(DummyClassifier()), linear, _pipeline(LogisticRegression(C=0.5, max_iter=500))]
    weights, scores = oh.blend_select(models, X, y, folds=4)
    assert weights[0] == 0.0 and weights[1] > 0 and weights[2] > 0 and sum(weights) == pytest.approx(1.0)
    assert scores['metric'] == 'roc_auc' and scores['folds'] == 4 and len(scores['member_scores']) == 3
    assert scores['member_scores'][0] < 0.6 < min(scores['member_scores'][1:])
    # Two equal linear models blended: the nested score is their averaged probabilities' score.
    alone = oh.cross_validate(linear, X, y, folds=4)
    assert abs(scores['mean'] - alone['mean']) < 0.02


def test_blend_select_weighs_two_complementary_regressors_and_beats_each(experiment):
    from sklearn.ensemble import RandomForestRegressor
    experiment(task='regression', metric='rmse')
    X, y = oh.load_train()
    forest = make_pipeline(ColumnTransformer([('num', SimpleImputer(), make_column_selector(dtype_include='number'))]),
                           RandomForestRegressor(n_estimators=50, random_state=0))
    weights, scores = oh.blend_select([_pipeline(Ridge()), forest], X, y, folds=3)
    assert sum(weights) == pytest.approx(1.0) and all(w >= 0 for w in weights)
    # Greedy selection starts from the two members averaged and only takes strict improvements.
    assert scores['selection_score'] <= float(np.mean(scores['member_scores']))
    assert weights[0] > weights[1]  # the linear signal: ridge is far better than the forest here
    assert scores['mean'] > 0 and scores['folds'] == 3
    assert set(scores['all']) == {'rmse', 'mae', 'r2'}


def test_blend_select_needs_two_models_and_probabilities(experiment):
    experiment()
    X, y = oh.load_train()
    with pytest.raises(ValueError, match='two models'):
        oh.blend_select([_pipeline(LogisticRegression())], X, y)
    with pytest.raises(TypeError, match='predict_proba'):
        oh.blend_select([_pipeline(LinearSVC()), _pipeline(LogisticRegression())], X, y, folds=3)


def test_choose_rounds_sets_the_booster_trees_by_early_stopping(tmp_path, monkeypatch):
    import pandas as pd
    from lightgbm import LGBMClassifier
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    frame = pd.DataFrame({'x': [f'{v:.4f}' for v in x],
                          'label': np.where(x + rng.normal(scale=0.5, size=400) > 0, 'yes', 'no')})
    _raw_workspace(tmp_path, monkeypatch, frame, [{'name': 'x', 'meant': 'numeric', 'conversion': None,
                                                   'categories': None}], 'binary', 'roc_auc', ['no', 'yes'])
    X, y = oh.load_train()
    model = make_pipeline(SimpleImputer(), LGBMClassifier(n_estimators=2000, learning_rate=0.1, verbose=-1))
    chosen = oh.choose_rounds(model, X, y)
    rounds = chosen.get_params()['lgbmclassifier__n_estimators']
    assert 20 <= rounds < 2000, rounds
    # Too few rows to hold any out: not the 2,000-tree cap meant for early stopping.
    few = oh.choose_rounds(make_pipeline(SimpleImputer(), LGBMClassifier(n_estimators=2000, learning_rate=0.1, verbose=-1)), X[:150], y[:150])
    assert few.get_params()['lgbmclassifier__n_estimators'] == 100
    # Not a booster: left as it is.
    linear = make_pipeline(SimpleImputer(), LogisticRegression())
    assert oh.choose_rounds(linear, X, y) is linear
