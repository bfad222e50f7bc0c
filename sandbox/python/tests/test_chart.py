"""The chat thread's chart: importances summed back onto input columns, for pipelines, tree and
linear models and soft-voting ensembles; no chart for a model without importances."""

import json
import types

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ouro_harness.chart import NO_CHART_EXIT_CODE, importance, main


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({'signal': rng.normal(size=n), 'noise': rng.normal(size=n), 'city': rng.choice(['Lyon', 'Paris', 'Nice'], size=n)})
    y = np.where(X['signal'] * 3 + (X['city'] == 'Paris') + rng.normal(scale=0.3, size=n) > 0, 'yes', 'no')
    return X, y


def _pipe(final):
    pre = ColumnTransformer([('num', StandardScaler(), ['signal', 'noise']), ('cat', OneHotEncoder(handle_unknown='ignore'), ['city'])])
    return make_pipeline(pre, final)


def _model(estimator):
    X, y = _data()
    estimator.fit(X, y)
    return types.SimpleNamespace(estimator=estimator, signature={'columns': list(X.columns), 'inputs': []})


def test_linear_and_forest_rank_the_signal_first_and_sum_one_hot_columns():
    for final in (LogisticRegression(max_iter=500), RandomForestClassifier(n_estimators=30, random_state=0)):
        ranked, measure = importance(_model(_pipe(final)))
        names = [c for c, _ in ranked]
        assert names[0] == 'signal', ranked
        assert sorted(names) == ['city', 'noise', 'signal']  # city_Lyon/_Paris/_Nice summed into one
        assert abs(sum(v for _, v in ranked) - 1) < 1e-9
        assert measure


def test_an_ensemble_averages_its_members_and_a_dummy_has_no_chart():
    vote = VotingClassifier([('lr', _pipe(LogisticRegression(max_iter=500))), ('rf', _pipe(RandomForestClassifier(n_estimators=20, random_state=0)))], voting='soft')
    ranked, measure = importance(_model(vote))
    assert ranked[0][0] == 'signal'
    assert 'ensemble' in measure
    assert importance(_model(_pipe(DummyClassifier()))) == (None, None)


def test_the_command_writes_a_png_or_exits_4(tmp_path):
    model_dir = tmp_path / 'model'
    model_dir.mkdir()
    joblib.dump(_model(_pipe(LogisticRegression(max_iter=500))), model_dir / 'model.joblib')
    out = tmp_path / 'out'
    out.mkdir()
    assert main(['--model', str(model_dir), '--out', str(out), '--title', 'test']) == 0
    assert (out / 'chart.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert json.loads((out / 'chart.json').read_text())['columns'][0][0] == 'signal'

    joblib.dump(_model(_pipe(DummyClassifier())), model_dir / 'model.joblib')
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert main(['--model', str(model_dir), '--out', str(empty)]) == NO_CHART_EXIT_CODE
    assert not (empty / 'chart.png').exists()
