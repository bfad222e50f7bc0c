import random

import pytest

from conftest import read_json, validate_with_zod, write_file
from ouro_harness.split import MAX_HOLDOUT_ROWS, _holdout_size
from ouro_harness.tables import read_parquet


def _prepare(cli, tmp_path, text, name='data.csv'):
    path = write_file(tmp_path, name, text)
    code, _, err = cli('inspect', '--input', path, '--profile', tmp_path / 'profile.json',
                       '--table', tmp_path / 'table.parquet')
    assert code == 0, err


def _split(cli, tmp_path, target, task, metric, seed=1, fraction=0.2):
    return cli('split', '--table', tmp_path / 'table.parquet', '--profile', tmp_path / 'profile.json',
               '--target', target, '--task', task, '--metric', metric, '--seed', seed,
               '--holdout-fraction', fraction, '--workspace', tmp_path / 'workspace',
               '--holdout', tmp_path / 'holdout', '--vault', tmp_path / 'vault')


def _churn_csv(n=200, seed=0):
    rng = random.Random(seed)
    lines = ['customer_id,churn,churn_copy,status,tenure,plan,joined,note']
    for i in range(n):
        churn = rng.choice(['yes', 'no', 'no'])
        lines.append(','.join([
            str(10000 + i), churn, churn, {'yes': 'closed', 'no': 'open'}[churn],
            str(rng.randint(1, 72)), rng.choice(['basic', 'pro', 'max']),
            f'2020-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:00', '',
        ]))
    return '\n'.join(lines) + '\n'


def test_split_writes_workspace_holdout_and_vault(cli, tmp_path):
    _prepare(cli, tmp_path, _churn_csv())
    code, _, err = _split(cli, tmp_path, 'churn', 'binary', 'roc_auc', seed=3)
    assert code == 0, err
    schema = read_json(tmp_path / 'workspace' / 'schema.json')
    assert schema['target'] == 'churn' and schema['task'] == 'binary' and schema['metric'] == 'roc_auc'
    assert schema['classes'] == ['no', 'yes'] and schema['seed'] == 3
    names = [f['name'] for f in schema['features']]
    assert names == ['churn_copy', 'status', 'tenure', 'plan', 'joined']
    assert {d['name'] for d in schema['dropped']} == {'customer_id', 'note'}
    joined = next(f for f in schema['features'] if f['name'] == 'joined')
    assert (joined['meant'], joined['format'], joined['time']) == ('datetime', 'iso', True)
    plan = next(f for f in schema['features'] if f['name'] == 'plan')
    assert sorted(plan['categories']) == ['basic', 'max', 'pro']

    train = read_parquet(tmp_path / 'workspace' / 'train.parquet')
    holdout = read_parquet(tmp_path / 'holdout' / 'features.parquet')
    labels = read_json(tmp_path / 'vault' / 'labels.json')['labels']
    assert len(train) == 160 and len(holdout) == len(labels) == 40
    assert list(train.columns) == names + ['churn']
    assert 'churn' not in holdout.columns and 'customer_id' in holdout.columns
    assert set(labels) == {'no', 'yes'}

    analysis = read_json(tmp_path / 'vault' / 'analysis.json')
    assert (analysis['trainRows'], analysis['holdoutRows'], analysis['droppedRows']) == (160, 40, 0)
    assert sum(analysis['classCounts'].values()) == 160
    validate_with_zod('TargetAnalysisSchema', tmp_path / 'vault' / 'analysis.json')


def test_copies_and_relabellings_of_the_target_are_leakage_suspects(cli, tmp_path):
    _prepare(cli, tmp_path, _churn_csv())
    assert _split(cli, tmp_path, 'churn', 'binary', 'roc_auc')[0] == 0
    suspects = {s['column']: s for s in read_json(tmp_path / 'vault' / 'analysis.json')['leakageSuspects']}
    assert set(suspects) == {'churn_copy', 'status'}
    assert suspects['churn_copy']['why'] == "Column 'churn_copy' is an exact copy of the target."
    assert suspects['status']['why'].startswith("Each value of 'status' stands for exactly one target class")
    assert all(s['score'] == 1.0 for s in suspects.values())


def test_regression_leakage_by_correlation(cli, tmp_path):
    rng = random.Random(5)
    lines = ['size,price,price_cents,noise']
    for _ in range(120):
        size = rng.uniform(20, 200)
        price = 1000 * size + rng.gauss(0, 20000)
        lines.append(f'{size:.1f},{price:.0f},{price * 100 + rng.gauss(0, 50):.0f},{rng.random():.3f}')
    _prepare(cli, tmp_path, '\n'.join(lines) + '\n')
    assert _split(cli, tmp_path, 'price', 'regression', 'rmse')[0] == 0
    analysis = read_json(tmp_path / 'vault' / 'analysis.json')
    assert [s['column'] for s in analysis['leakageSuspects']] == ['price_cents']
    assert 'moves in lockstep with the target (correlation 1.000)' in analysis['leakageSuspects'][0]['why']
    assert analysis['classes'] is None and analysis['classCounts'] is None
    assert analysis['targetMean'] > 0 and analysis['targetStd'] > 0
    labels = read_json(tmp_path / 'vault' / 'labels.json')['labels']
    assert all(isinstance(v, float) for v in labels)


def test_class_with_one_member_stays_in_training(cli, tmp_path):
    rng = random.Random(2)
    lines = ['kind,x,y']
    for i in range(60):
        lines.append(f"{['a', 'b', 'c'][i % 3]},{rng.random():.3f},{rng.random():.3f}")
    lines.append('lonely,0.5,0.5')
    lines.append(',0.1,0.2')  # a missing target is dropped
    _prepare(cli, tmp_path, '\n'.join(lines) + '\n')
    code, _, err = _split(cli, tmp_path, 'kind', 'multiclass', 'log_loss')
    assert code == 0, err
    analysis = read_json(tmp_path / 'vault' / 'analysis.json')
    assert analysis['classCounts']['lonely'] == 1
    assert analysis['classes'] == ['a', 'b', 'c', 'lonely']
    assert analysis['droppedRows'] == 1
    assert "Class 'lonely' has only one row; it stays in training, so the holdout cannot measure it." \
        in analysis['findings']
    assert '1 row with no value for \'kind\' is left out.' in analysis['findings']
    assert 'lonely' not in read_json(tmp_path / 'vault' / 'labels.json')['labels']


@pytest.mark.parametrize('target, task, metric, phrase', [
    ('only', 'binary', 'roc_auc', "Target 'only' has only one class ('same')"),
    ('word', 'regression', 'rmse', "Target 'word' holds text values like 'red', not numbers, so regression cannot "
                                   "use it; choose classification (binary or multiclass) instead."),
    ('word', 'binary', 'roc_auc', "Target 'word' has 3 classes ('blue', 'green', 'red'); choose multiclass, not binary."),
    ('nothing', 'binary', 'roc_auc', "Target 'nothing' is empty in every row"),
    ('missing_col', 'binary', 'roc_auc', "There is no column 'missing_col' in the table"),
])
def test_unusable_targets_exit_3(cli, tmp_path, target, task, metric, phrase):
    lines = ['only,word,nothing,x'] + [f"{'same' if i % 2 else ''},{['red', 'green', 'blue'][i % 3]},,{i % 7}"
                                       for i in range(30)]
    _prepare(cli, tmp_path, '\n'.join(lines) + '\n')
    code, _, err = _split(cli, tmp_path, target, task, metric)
    assert code == 3
    assert err.startswith('OURO_INPUT_ERROR target_unusable: ') and phrase in err, err
    assert len(err.strip().splitlines()) == 1


def test_holdout_is_capped():
    assert _holdout_size(10_000_000, 0.2) == MAX_HOLDOUT_ROWS
    assert _holdout_size(344, 0.2) == 69
    assert _holdout_size(3, 0.2) == 1


def test_split_is_reproducible_with_the_seed(cli, tmp_path):
    _prepare(cli, tmp_path, _churn_csv())
    _split(cli, tmp_path, 'churn', 'binary', 'roc_auc', seed=11)
    first = read_json(tmp_path / 'vault' / 'labels.json')
    _split(cli, tmp_path, 'churn', 'binary', 'roc_auc', seed=11)
    assert read_json(tmp_path / 'vault' / 'labels.json') == first


def test_stratified_holdout_keeps_each_class_share_and_training_rows():
    import numpy as np
    import pandas as pd
    from ouro_harness.split import split_rows
    y = pd.Series(['a'] * 500 + ['b'] * 90 + ['c'] * 7 + ['d'] * 2 + ['e'], name='y')
    train, hold, rare = split_rows(y, 'multiclass', 0.2, 3)
    assert rare == ['e'] and len(hold) == 120 and len(train) + len(hold) == len(y)
    assert not set(train) & set(hold)
    held = y[hold].value_counts()
    assert abs(held['a'] - 100) <= 1 and abs(held['b'] - 18) <= 1 and held.get('c', 0) in (1, 2)
    assert all((y[train] == c).any() for c in 'abcde')  # every class keeps training rows
    again, _, _ = split_rows(y, 'multiclass', 0.2, 3)
    other, _, _ = split_rows(y, 'multiclass', 0.2, 4)
    assert np.array_equal(train, again) and not np.array_equal(train, other)


def test_the_split_of_a_table_the_screen_clears_imports_no_sklearn(cli, tmp_path):
    import subprocess
    import sys
    rng = random.Random(2)
    rows = ['x,flag,colour,y'] + [f'{rng.random():.3f},{rng.choice(["yes", "no"])},{rng.choice("rgb")},{rng.choice(["p", "q"])}'
                                  for _ in range(300)]
    path = write_file(tmp_path, 'plain.csv', '\n'.join(rows) + '\n')
    assert cli('inspect', '--input', path, '--profile', tmp_path / 'p.json', '--table', tmp_path / 't.parquet')[0] == 0
    for d in ('ws', 'ho', 'va'):
        (tmp_path / d).mkdir()
    code = ('import sys; from ouro_harness.split import split_table; '
            f'split_table({str(tmp_path / "t.parquet")!r}, {str(tmp_path / "p.json")!r}, "y", "binary", "roc_auc", 1, 0.2, '
            f'{str(tmp_path / "ws")!r}, {str(tmp_path / "ho")!r}, {str(tmp_path / "va")!r}); '
            'assert "sklearn" not in sys.modules, "the split imported sklearn"')
    import os
    from conftest import PACKAGE_ROOT
    env = {**os.environ, 'PYTHONPATH': str(PACKAGE_ROOT)}
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
