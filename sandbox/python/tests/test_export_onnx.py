"""The deploy-time ONNX export (ouro_harness.export_onnx) on the model shapes runs produce: the
heuristic brain's blend (Voting* with a list of weights), a linear model whose one-hot encoder
groups infrequent categories, and the prior baseline. Each must convert, and the graph fed the
cleaned columns the way the server feeds them must answer like the Python model on the holdout
rows and the probe rows (a missing value, a category never seen in training)."""

import json

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor, VotingClassifier, VotingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from ouro_harness import api, export_onnx
from ouro_harness.__main__ import main
from ouro_harness.predict import load_model


def _table(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # 'city': three common values and a long tail seen fewer than 5 times each, so
    # OneHotEncoder(min_frequency=5) groups the tail into its infrequent column.
    tail = [f'town_{i}' for i in range(40)]
    city = rng.choice(['north', 'south', 'east'], rows).astype(object)
    city[: len(tail) * 2] = tail * 2
    x1 = rng.normal(size=rows)
    x2 = rng.normal(size=rows)
    x2[rng.random(rows) < 0.05] = np.nan
    kind = rng.choice(['a', 'b', 'c'], rows).astype(object)
    signal = 1.5 * x1 + (city == 'north') * 1.0 - (kind == 'c') * 0.7 + rng.normal(scale=0.5, size=rows)
    return pd.DataFrame({'x1': x1, 'x2': x2, 'city': city, 'kind': kind,
                         'label': np.where(signal > 0.3, 'yes', 'no'), 'amount': 100 + 20 * signal})


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """inspect + split of one table, once for a binary target and once for a regression one."""
    root = tmp_path_factory.mktemp('export')
    csv = root / 'table.csv'
    _table().to_csv(csv, index=False)
    out = {}
    for task, target, drop, metric in (('binary', 'label', 'amount', 'roc_auc'), ('regression', 'amount', 'label', 'rmse')):
        run = root / task
        source = run / 'input.csv'
        run.mkdir()
        pd.read_csv(csv).drop(columns=[drop]).to_csv(source, index=False)
        assert main(['inspect', '--input', str(source), '--profile', str(run / 'profile.json'), '--table', str(run / 'table.parquet')]) == 0
        assert main(['split', '--table', str(run / 'table.parquet'), '--profile', str(run / 'profile.json'),
                     '--target', target, '--task', task, '--metric', metric, '--seed', '42',
                     '--holdout-fraction', '0.25', '--workspace', str(run / 'workspace'),
                     '--holdout', str(run / 'holdout'), '--vault', str(run / 'vault')]) == 0
        out[task] = run
    return out


def _preprocess(X, encoding):
    numeric = X.select_dtypes('number').columns.tolist()
    categorical = [c for c in X.columns if c not in numeric]
    if encoding == 'onehot':
        num = make_pipeline(SimpleImputer(strategy='median', add_indicator=True), StandardScaler())
        cat = make_pipeline(SimpleImputer(strategy='constant', fill_value='missing'),
                            OneHotEncoder(handle_unknown='infrequent_if_exist', min_frequency=5, sparse_output=False))
    else:
        num = SimpleImputer(strategy='median')
        cat = make_pipeline(SimpleImputer(strategy='constant', fill_value='missing'),
                            OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1, encoded_missing_value=-2))
    return ColumnTransformer([('num', num, numeric), ('cat', cat, categorical)], sparse_threshold=0.0)


def _export(run, tmp_path, build, monkeypatch):
    """Fits build(X, y) on the run's training rows as a train.py would, saves it, exports it
    and returns (export.json, the model, the graph's answers on the reference rows)."""
    monkeypatch.setenv('OURO_DATA_DIR', str(run / 'workspace'))
    api._loaded.clear()
    X, y = api.load_train()
    model = build(X, y).fit(X, y)
    api.save_model(model, X, path=str(tmp_path / 'model'))
    api._loaded.clear()
    out = tmp_path / 'serving'
    out.mkdir()
    assert export_onnx.main(['--model', str(tmp_path / 'model'), '--out', str(out),
                             '--holdout', str(run / 'holdout' / 'features.parquet')]) == 0
    doc = json.loads((out / 'export.json').read_text())
    saved = load_model(str(tmp_path / 'model'))
    if not doc['onnx']:
        return doc, saved, None
    rows = pd.DataFrame(doc['reference']['rows'])
    cleaned = saved.transform(rows)
    feeds = {}
    for i in doc['inputs']:
        column = cleaned[i['name']]
        feeds[i['name']] = (column.astype(np.float32).to_numpy() if i['type'] == 'float'
                            else column.fillna('').astype(str).to_numpy()).reshape(-1, 1)
    outputs = [doc['label']] + ([doc['probabilities']] if doc['probabilities'] else [])
    session = ort.InferenceSession(str(out / 'model.onnx'), providers=['CPUExecutionProvider'])
    return doc, saved, session.run(outputs, feeds)


def _assert_matches(doc, got):
    ref = doc['reference']
    assert doc['onnx'] is True, doc['reason']
    if doc['task'] == 'regression':
        expected = np.asarray(ref['predictions'], dtype=float)
        assert np.max(np.abs(got[0].ravel() - expected) / np.maximum(1, np.abs(expected))) < 1e-4
        return
    columns = doc['probability_columns']
    proba = np.stack([got[1][:, j] if j >= 0 else np.zeros(len(got[1])) for j in columns], axis=1)
    assert np.abs(proba - np.asarray(ref['probabilities'])).max() < 1e-4
    assert list(np.asarray(got[0]).astype(str)) == ref['predictions']


def _has_unseen_probe(doc):
    return any(r.get('city') == export_onnx.UNSEEN for r in doc['reference']['rows'])


def test_blend_classifier_with_list_weights_converts(runs, tmp_path, monkeypatch):
    # What the heuristic brain writes: soft voting over whole pipelines, weights a list of floats.
    def build(X, y):
        return VotingClassifier([
            ('linear_0', make_pipeline(_preprocess(X, 'onehot'), LogisticRegression(max_iter=2000))),
            ('random_forest_1', make_pipeline(_preprocess(X, 'ordinal'), RandomForestClassifier(n_estimators=20, random_state=0))),
            ('baseline_2', DummyClassifier(strategy='prior')),
        ], voting='soft', weights=[0.5, 0.3333333333333333, 0.16666666666666666])

    doc, _, got = _export(runs['binary'], tmp_path, build, monkeypatch)
    _assert_matches(doc, got)
    assert _has_unseen_probe(doc)


def test_blend_regressor_with_list_weights_converts(runs, tmp_path, monkeypatch):
    def build(X, y):
        return VotingRegressor([
            ('linear_0', make_pipeline(_preprocess(X, 'onehot'), Ridge())),
            ('random_forest_1', make_pipeline(_preprocess(X, 'ordinal'), RandomForestRegressor(n_estimators=20, random_state=0))),
        ], weights=[0.75, 0.25])

    doc, _, got = _export(runs['regression'], tmp_path, build, monkeypatch)
    _assert_matches(doc, got)


def test_linear_with_infrequent_categories_converts(runs, tmp_path, monkeypatch):
    def build(X, y):
        return make_pipeline(_preprocess(X, 'onehot'), LogisticRegression(max_iter=2000))

    doc, saved, got = _export(runs['binary'], tmp_path, build, monkeypatch)
    encoder = saved.estimator[0].named_transformers_['cat'][-1]
    assert any(c is not None and len(c) for c in encoder.infrequent_categories_), 'the table must exercise infrequent categories'
    _assert_matches(doc, got)
    # An unseen city goes to the infrequent column, as scikit-learn does, not to zeros.
    assert _has_unseen_probe(doc)


@pytest.mark.parametrize('task', ['binary', 'regression'])
def test_prior_baseline_converts(runs, tmp_path, monkeypatch, task):
    def build(X, y):
        return DummyClassifier(strategy='prior') if task == 'binary' else DummyRegressor(strategy='mean')

    doc, _, got = _export(runs[task], tmp_path, build, monkeypatch)
    _assert_matches(doc, got)


def test_a_random_baseline_stays_on_python_and_says_why(runs, tmp_path, monkeypatch):
    doc, _, _ = _export(runs['binary'], tmp_path, lambda X, y: DummyClassifier(strategy='stratified'), monkeypatch)
    assert doc['onnx'] is False
    assert 'stratified' in doc['reason']


def test_a_blend_member_that_does_not_convert_is_named(runs, tmp_path, monkeypatch):
    from sklearn.preprocessing import FunctionTransformer

    # skl2onnx converts a FunctionTransformer only without a function: this member cannot go to ONNX.
    def build(X, y):
        return VotingRegressor([
            ('linear_0', make_pipeline(_preprocess(X, 'onehot'), Ridge())),
            ('custom_1', make_pipeline(_preprocess(X, 'ordinal'), FunctionTransformer(np.square), Ridge())),
        ], weights=[0.5, 0.5])

    doc, _, _ = _export(runs['regression'], tmp_path, build, monkeypatch)
    assert doc['onnx'] is False
    assert doc['reason'].startswith("the blend's member 'custom_1' (ColumnTransformer -> FunctionTransformer -> Ridge) does not convert: ")


def test_permute_writes_predictions_with_each_column_shuffled(runs, tmp_path, monkeypatch):
    from ouro_harness.permute import permuted_predictions

    monkeypatch.setenv('OURO_DATA_DIR', str(runs['regression'] / 'workspace'))
    api._loaded.clear()
    X, y = api.load_train()
    api.save_model(make_pipeline(_preprocess(X, 'onehot'), Ridge()).fit(X, y), X, path=str(tmp_path / 'model'))
    api._loaded.clear()
    model = load_model(str(tmp_path / 'model'))
    rows = pd.read_parquet(runs['regression'] / 'holdout' / 'features.parquet')
    out = permuted_predictions(model, rows, repeats=2, seed=1)
    assert out['columns'] == ['x1', 'x2', 'city', 'kind'] and out['rows'] == len(rows) and 'amount' not in rows.columns
    assert out['base']['predictions'] == pytest.approx(model.predict(rows).tolist())
    assert all(len(out['permuted'][c]) == 2 for c in out['columns'])
    # x1 drives the target: shuffling it moves the predictions far more than shuffling x2.
    moved = {c: np.mean(np.abs(np.asarray(out['permuted'][c][0]['predictions']) - out['base']['predictions'])) for c in out['columns']}
    assert moved['x1'] > 5 * moved['x2']


def test_partial_dependence_follows_the_driving_column_without_labels(runs, tmp_path, monkeypatch):
    from ouro_harness.permute import PD_GRID, partial_dependence

    monkeypatch.setenv('OURO_DATA_DIR', str(runs['regression'] / 'workspace'))
    api._loaded.clear()
    X, y = api.load_train()
    api.save_model(make_pipeline(_preprocess(X, 'onehot'), Ridge()).fit(X, y), X, path=str(tmp_path / 'model'))
    api._loaded.clear()
    model = load_model(str(tmp_path / 'model'))
    rows = pd.read_parquet(runs['regression'] / 'holdout' / 'features.parquet')
    assert 'amount' not in rows.columns  # the holdout features only
    pd_doc = partial_dependence(model, rows)
    columns = pd_doc['columns']
    assert {'x1', 'x2', 'city'} <= set(columns)
    for c in columns.values():
        assert 2 <= len(c['grid']) <= PD_GRID and len(c['mean']) == len(c['grid'])
    assert columns['x1']['kind'] == 'numeric' and columns['city']['kind'] == 'categorical'
    spread = {c: max(v['mean']) - min(v['mean']) for c, v in columns.items()}
    assert spread['x1'] > 5 * spread['x2'], spread
    # A linear model's dependence on a numeric column is a straight line, rising with x1 here.
    assert columns['x1']['mean'] == sorted(columns['x1']['mean']) or columns['x1']['mean'] == sorted(columns['x1']['mean'], reverse=True)


def test_xgboost_converts_alone_behind_label_encoded_and_in_a_blend(runs, tmp_path, monkeypatch):
    from xgboost import XGBClassifier, XGBRegressor

    from ouro_harness import LabelEncoded

    def xgb_classifier(X):
        return make_pipeline(_preprocess(X, 'ordinal'), LabelEncoded(XGBClassifier(n_estimators=30, max_depth=3, n_jobs=1)))

    def blend(X, y):
        return VotingClassifier([('linear_0', make_pipeline(_preprocess(X, 'onehot'), LogisticRegression(max_iter=2000))),
                                 ('xgboost_1', xgb_classifier(X))], voting='soft', weights=[0.5, 0.5])

    for name, task, build in (('classifier', 'binary', lambda X, y: xgb_classifier(X)),
                              ('regressor', 'regression', lambda X, y: make_pipeline(_preprocess(X, 'ordinal'), XGBRegressor(n_estimators=30, max_depth=3, n_jobs=1))),
                              ('blend', 'binary', blend)):
        folder = tmp_path / name
        folder.mkdir()
        doc, _, got = _export(runs[task], folder, build, monkeypatch)
        _assert_matches(doc, got)
