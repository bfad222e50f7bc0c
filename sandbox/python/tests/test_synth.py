"""Synthetic data helpers: the split keeps the holdout's target out of the workspace, every
generator returns the modelled columns, finish() makes tables obey the real one's constraints,
and the judge drops exact copies of real rows and says how many."""

import json

import numpy as np
import pandas as pd
import pytest

from ouro_harness.__main__ import main
from ouro_harness.synth import finish, load_real, sample_bayes_net, sample_cart, sample_copula, sample_marginals, sample_smote
from ouro_harness.synth.judge import judge
from ouro_harness.tables import read_parquet, write_parquet


def _table(tmp_path, n=240, seed=0):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp('2024-01-01') + pd.to_timedelta(rng.integers(0, 300, n), unit='D')
    df = pd.DataFrame({
        'id': np.arange(1, n + 1),
        'age': rng.integers(18, 80, n),
        'income': np.round(rng.lognormal(10, 0.5, n), 2),
        'plan': rng.choice(['basic', 'pro', 'team'], n, p=[0.6, 0.3, 0.1]),
        'opened': start.strftime('%Y-%m-%d'),
        'closed': (start + pd.to_timedelta(rng.integers(1, 60, n), unit='D')).strftime('%Y-%m-%d'),
        'churn': np.where(rng.random(n) < 0.15, 'yes', 'no'),
    })
    path = tmp_path / 'data.csv'
    df.to_csv(path, index=False)
    assert main(['inspect', '--input', str(path), '--profile', str(tmp_path / 'p.json'), '--table', str(tmp_path / 't.parquet')]) in (0, None)
    code = main(['synth-split', '--table', str(tmp_path / 't.parquet'), '--profile', str(tmp_path / 'p.json'), '--target', 'churn', '--task', 'binary',
                 '--seed', '1', '--workspace', str(tmp_path / 'ws'), '--holdout', str(tmp_path / 'ho'), '--vault', str(tmp_path / 'va')])
    assert code in (0, None)
    return df


def test_split_keeps_the_holdout_target_in_the_vault(tmp_path):
    df = _table(tmp_path)
    real, meta = load_real(str(tmp_path / 'ws'))
    holdout = read_parquet(tmp_path / 'ho' / 'features.parquet')
    labels = json.loads((tmp_path / 'va' / 'labels.json').read_text())['labels']
    assert 'churn' not in holdout.columns and len(labels) == len(holdout) == 48
    assert len(real) + len(holdout) == len(df)
    kinds = {c['name']: c['kind'] for c in meta['columns']}
    assert kinds == {'id': 'key', 'age': 'number', 'income': 'number', 'plan': 'category', 'opened': 'date', 'closed': 'date', 'churn': 'category'}
    assert ['opened', 'closed'] in meta['dateOrder']


@pytest.mark.parametrize('sampler', [sample_marginals, sample_copula, sample_cart, sample_bayes_net])
def test_every_generator_obeys_the_constraints(tmp_path, sampler):
    _table(tmp_path)
    real, meta = load_real(str(tmp_path / 'ws'))
    out = finish(sampler(real, meta, 500, seed=3), meta, str(tmp_path / 'syn.parquet'), seed=3)
    assert len(out) == 500 and list(out.columns) == [c['name'] for c in meta['columns']]
    assert out['id'].is_unique and out['id'].min() > real['id'].max()          # fresh keys, none real
    assert (out['age'] == out['age'].round()).all()                             # whole numbers stay whole
    assert out['age'].between(real['age'].min(), real['age'].max()).all()        # inside the real range
    assert set(out['plan'].dropna()) <= {'basic', 'pro', 'team'}                 # known categories only
    assert (out['income'] == out['income'].round(2)).all()                       # the real decimals
    both = out[['opened', 'closed']].dropna()
    assert (both['opened'] <= both['closed']).all()                              # date order kept


def test_conditional_sampling_makes_only_the_asked_class(tmp_path):
    _table(tmp_path)
    real, meta = load_real(str(tmp_path / 'ws'))
    for sampler in (sample_cart, sample_bayes_net, sample_copula, sample_smote):
        out = sampler(real, meta, 80, seed=1, condition={'churn': 'yes'})
        assert set(out['churn']) == {'yes'}, sampler.__name__
        assert len(out) == 80


def test_the_judge_drops_exact_copies_and_says_so(tmp_path):
    _table(tmp_path)
    real, meta = load_real(str(tmp_path / 'ws'))
    syn = finish(sample_cart(real, meta, 200, seed=2), meta, str(tmp_path / 'syn.parquet'))
    leaked = pd.concat([syn, real.iloc[:7]], ignore_index=True)             # 7 real rows planted
    write_parquet(leaked, tmp_path / 'leaked.parquet')
    result = judge(str(tmp_path / 'ws' / 'real.parquet'), str(tmp_path / 'leaked.parquet'), str(tmp_path / 'ho' / 'features.parquet'),
                   str(tmp_path / 'ws' / 'meta.json'), 'stand-in', str(tmp_path / 'j.json'), str(tmp_path / 'clean.parquet'),
                   str(tmp_path / 'p.json'), str(tmp_path / 'b.json'))
    assert result['ok'] and result['copiesDropped'] >= 7
    clean = read_parquet(tmp_path / 'clean.parquet')
    names = [c for c in real.columns if c != 'id']
    assert clean.merge(real[names], on=names, how='inner').empty                 # none left
    preds = json.loads((tmp_path / 'p.json').read_text())
    assert len(preds['predictions']) == 48 and preds['classes'] == ['no', 'yes']
    assert 0.3 <= result['discriminatorAuc'] <= 1 and result['dcrRatio'] > 0


def test_a_table_missing_a_column_is_a_finding_not_a_crash(tmp_path):
    _table(tmp_path)
    write_parquet(pd.DataFrame({'age': [1.0, 2.0]}), tmp_path / 'bad.parquet')
    result = judge(str(tmp_path / 'ws' / 'real.parquet'), str(tmp_path / 'bad.parquet'), str(tmp_path / 'ho' / 'features.parquet'),
                   str(tmp_path / 'ws' / 'meta.json'), 'stand-in', str(tmp_path / 'j.json'), str(tmp_path / 'c.parquet'), str(tmp_path / 'p.json'))
    assert result['ok'] is False and 'lacks column' in result['problem']


@pytest.mark.parametrize('fmt', ['csv', 'parquet', 'xlsx'])
def test_export_writes_the_users_format_with_dates_as_dates(tmp_path, fmt):
    from ouro_harness.synth.export import export

    _table(tmp_path)
    real, meta = load_real(str(tmp_path / 'ws'))
    finish(sample_cart(real, meta, 50, seed=4), meta, str(tmp_path / 'syn.parquet'))
    out = tmp_path / f'out.{fmt}'
    summary = export(str(tmp_path / 'syn.parquet'), str(tmp_path / 'ws' / 'real.parquet'), str(tmp_path / 'ws' / 'meta.json'), fmt,
                     str(out), str(tmp_path / 'chart.png'), str(tmp_path / 'summary.json'))
    table = {'csv': pd.read_csv, 'parquet': pd.read_parquet, 'xlsx': pd.read_excel}[fmt](out)
    assert len(table) == summary['rows'] == 50
    assert list(table.columns) == ['id', 'age', 'income', 'plan', 'opened', 'closed', 'churn']
    assert table['opened'].astype(str).str.fullmatch(r'\d{4}-\d{2}-\d{2}').all()
    assert (tmp_path / 'chart.png').read_bytes()[:4] == b'\x89PNG'
