"""The analysis helpers (ouro_harness.analysis): the statistics against scipy/statsmodels and
known answers, the seeded sample, and findings.json's contract (every number of a claim's text
among its values)."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from ouro_harness.__main__ import main
from ouro_harness.analysis import Findings, associations, benjamini_hochberg, compare_groups, fmt, load_data, model_importance, wilson


def test_benjamini_hochberg_matches_statsmodels():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    assert np.allclose(benjamini_hochberg(p), multipletests(p, method='fdr_bh')[1])


def test_wilson_matches_statsmodels():
    assert np.allclose(wilson(215, 500), proportion_confint(215, 500, method='wilson'))


@pytest.fixture()
def table(tmp_path):
    rng = np.random.default_rng(0)
    n = 1500
    x = rng.normal(size=n)
    noise = rng.normal(size=n)
    group = np.where(rng.random(n) < 0.5, 'a', 'b')
    y = 2 * x + (group == 'b') * 1.0 + rng.normal(scale=0.5, size=n)
    pd.DataFrame({'x': x, 'noise': noise, 'group': group, 'y': y}).to_csv(tmp_path / 't.csv', index=False)
    assert main(['inspect', '--input', str(tmp_path / 't.csv'), '--profile', str(tmp_path / 'profile.json'), '--table', str(tmp_path / 'table.parquet')]) == 0
    return tmp_path


def _numbers_backed(claim):
    """Every number in the text is one of the claim's values as the text rounds it."""
    values = list(claim['values'].values())
    text = re.sub(r'\b95% CI\b', '', claim['text'])
    for raw in re.findall(r'(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?%?', text):
        v = float(raw.rstrip('%').replace(',', ''))
        decimals = len(raw.rstrip('%').split('.')[1]) if '.' in raw and 'e' not in raw else 0
        tol = abs(v) * 0.06 if 'e' in raw else 0.5 * 10 ** -decimals + 1e-9
        ok = any(abs(abs(c) - abs(v)) <= tol for x in values for c in ((x * 100, x) if raw.endswith('%') else (x,)))
        assert ok or (v <= 10 and v == int(v)), f'{raw} of "{claim["text"]}" is not among {values}'


def test_drivers_and_groups_find_the_planted_structure(table):
    data = load_data(table=str(table / 'table.parquet'), profile=str(table / 'profile.json'))
    f = Findings('a1', 'test', out_dir=str(table / 'out'))
    assoc = associations(data, 'y', f)
    assert assoc.column.iloc[0] == 'x'
    assert assoc.set_index('column').loc['noise', 'q'] > 0.05
    ranking = model_importance(data, 'y', f)
    assert list(ranking.column[:2]) == ['x', 'group']
    groups = compare_groups(data, 'y', 'group', f)
    df = data.df
    assert groups.set_index('group').loc['b', 'value'] == pytest.approx(df.y[df.group == 'b'].mean(), abs=1e-12)
    f.write()
    doc = json.loads((table / 'out' / 'findings.json').read_text())
    for claim in doc['claims']:
        _numbers_backed(claim)
    for chart in doc['charts']:
        assert (table / 'out' / chart['file']).exists() and (table / 'out' / chart['table']).exists()


def test_a_large_table_is_sampled_while_it_is_read(table):
    data = load_data(max_rows=300, seed=1, table=str(table / 'table.parquet'), profile=str(table / 'profile.json'))
    again = load_data(max_rows=300, seed=1, table=str(table / 'table.parquet'), profile=str(table / 'profile.json'))
    assert data.sampled and data.rows_total == 1500 and 200 < data.rows_used < 400
    assert data.df.equals(again.df)


def test_fmt_is_what_the_host_renders():
    assert [fmt(x) for x in (1234.4, 12.34, 1.234, 0.1234, 0.001234, 0)] == ['1,234', '12.3', '1.23', '0.123', '0.0012', '0.00']
