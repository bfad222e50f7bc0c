"""inspect -> split -> a generated train.py in its experiment folder -> predict on the holdout.
The penguins run spawns a child process for every step, the way the host runs them; the
concrete run does inspect and split in-process to keep the suite fast."""

import json
import subprocess
import textwrap

import numpy as np
import pytest

from conftest import dataset, read_json, run_module, run_script, validate_with_zod
from ouro_harness.__main__ import main

TRAIN_PY = textwrap.dedent('''
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import {final_import}
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from ouro_harness import cross_validate, load_train, save_model, task_info, write_metrics

    X, y = load_train()
    numeric = make_pipeline(SimpleImputer(), StandardScaler())
    categorical = make_pipeline(SimpleImputer(strategy='most_frequent'), OneHotEncoder(handle_unknown='ignore'))
    model = make_pipeline(
        ColumnTransformer([
            ('num', numeric, make_column_selector(dtype_include='number')),
            ('cat', categorical, make_column_selector(dtype_include=object)),
        ]),
        {final},
    )
    scores = cross_validate(model, X, y, folds=3)
    model.fit(X, y)
    save_model(model, X)
    write_metrics(scores, family='{family}', task=task_info()['task'])
''')


def _in_process(*args):
    code = main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, '', '')


def _round_trip(tmp_path, csv_path, target, task, metric, final_import, final, family, child=True):
    run = tmp_path / 'run'
    trusted = run_module if child else _in_process
    step = trusted('inspect', '--input', csv_path, '--profile', run / 'profile.json', '--table', run / 'table.parquet')
    assert step.returncode == 0, step.stderr
    step = trusted('split', '--table', run / 'table.parquet', '--profile', run / 'profile.json',
                   '--target', target, '--task', task, '--metric', metric, '--seed', 42,
                   '--holdout-fraction', 0.2, '--workspace', run / 'workspace',
                   '--holdout', run / 'holdout', '--vault', run / 'vault')
    assert step.returncode == 0, step.stderr
    validate_with_zod('ProfileSchema', run / 'profile.json')
    validate_with_zod('TargetAnalysisSchema', run / 'vault' / 'analysis.json')

    folder = run / 'experiments' / 'n1'
    folder.mkdir(parents=True)
    script = folder / 'train.py'
    script.write_text(TRAIN_PY.format(final_import=final_import, final=final, family=family))
    step = run_script(script, cwd=folder)
    assert step.returncode == 0, step.stderr
    metrics = read_json(folder / 'metrics.json')
    assert metrics['metric'] == metric and metrics['folds'] == 3 and metrics['family'] == family

    out = run / 'predictions.json'
    step = run_module('predict', '--model', folder / 'model', '--input', run / 'holdout' / 'features.parquet',
                      '--out', out)
    assert step.returncode == 0, step.stderr
    result = json.loads(out.read_text())
    labels = read_json(run / 'vault' / 'labels.json')['labels']
    assert len(result['predictions']) == len(labels)
    return metrics, result, labels


@pytest.fixture(scope='module')
def penguins(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('penguins')
    return tmp_path, _round_trip(tmp_path, dataset('penguins.csv'), 'species', 'multiclass', 'log_loss',
                                 'LogisticRegression', 'LogisticRegression(max_iter=1000)', 'logreg')


def test_penguins_species(penguins):
    _, (metrics, result, labels) = penguins
    assert metrics['mean'] < 0.2
    assert result['classes'] == ['Adelie', 'Chinstrap', 'Gentoo']
    accuracy = np.mean(np.array(result['predictions']) == np.array(labels))
    assert accuracy > 0.9
    probabilities = np.array(result['probabilities'])
    assert probabilities.shape == (len(labels), 3) and np.allclose(probabilities.sum(axis=1), 1)


def test_concrete_strength_regression(tmp_path):
    metrics, result, labels = _round_trip(
        tmp_path, dataset('concrete.csv'), 'compressive_strength', 'regression', 'rmse',
        'Ridge', 'Ridge()', 'ridge', child=False)
    assert 5 < metrics['mean'] < 15
    assert result['probabilities'] is None and result['classes'] is None
    predictions = np.array(result['predictions'], dtype=float)
    y = np.array(labels, dtype=float)
    r2 = 1 - np.sum((y - predictions) ** 2) / np.sum((y - y.mean()) ** 2)
    assert r2 > 0.5


def test_predict_reads_csv_and_json_records(penguins, cli):
    tmp_path = penguins[0]
    model = tmp_path / 'run' / 'experiments' / 'n1' / 'model'
    records = [{'island': 'Biscoe', 'bill_length_mm': 48.1, 'bill_depth_mm': 14.3, 'flipper_length_mm': 215,
                'body_mass_g': 5200, 'sex': 'male', 'year': 2009},
               {'island': 'Torgersen', 'bill_length_mm': None, 'bill_depth_mm': '18.1', 'flipper_length_mm': 185,
                'body_mass_g': 3700, 'sex': None, 'year': 2008}]
    (tmp_path / 'in.json').write_text(json.dumps({'records': records}))
    code, _, err = cli('predict', '--model', model, '--input', tmp_path / 'in.json', '--out', tmp_path / 'o.json')
    assert code == 0, err
    assert read_json(tmp_path / 'o.json')['predictions'] == ['Gentoo', 'Adelie']

    (tmp_path / 'in.csv').write_text('island;bill_length_mm;bill_depth_mm;flipper_length_mm;body_mass_g;sex;year\n'
                                     'Biscoe;48.1;14.3;215;5200;male;2009\n')
    code, _, err = cli('predict', '--model', model, '--input', tmp_path / 'in.csv', '--out', tmp_path / 'o2.json')
    assert code == 0, err
    assert read_json(tmp_path / 'o2.json')['predictions'] == ['Gentoo']

    (tmp_path / 'bad.json').write_text(json.dumps([{'island': 'Biscoe'}]))
    code, _, err = cli('predict', '--model', model, '--input', tmp_path / 'bad.json', '--out', tmp_path / 'o3.json')
    assert code == 3
    assert err.startswith("OURO_INPUT_ERROR input_columns: the input has no column 'bill_length_mm'")
