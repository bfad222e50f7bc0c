import json
import random

import pandas as pd

from conftest import column, inspect_path, validate_with_zod, write_file
from ouro_harness.profile import analyze_column

N = 40


def _messy_table(tmp_path) -> str:
    rng = random.Random(3)
    words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel']
    ids = rng.sample(range(1000, 9999), N)
    rows = []
    for i in range(N):
        price = rng.randint(1, 5000) + rng.choice([0, 0.5, 0.25])
        rows.append({
            'customer_id': str(ids[i]),
            'serial': str(500 + i),
            'price': f'(${price:,.2f})' if i % 9 == 4 else f'${price:,.2f}',
            'rate': f'{rng.randint(0, 1000) / 10}%',
            'amount': ' ' if i % 10 == 3 else f'{rng.randint(1000, 900000):,}',
            'notes': '',
            'signup': f'2021-{1 + i % 12:02d}-{1 + i % 28:02d}',
            'seen_at': f'2022-02-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00',
            'active': rng.choice(['yes', 'no', 'Yes', 'NO']),
            'plan': rng.choice(['basic', 'pro']),
            'plan_copy': None,
            'country': 'NL',
            'review': ' '.join(rng.choice(words) for _ in range(8)) + f' #{i}',
            'visits': str(rng.randint(0, 30)),
            'score': str(round(rng.random(), 3)) if i % 2 else 'NA',
        })
        rows[-1]['plan_copy'] = rows[-1]['plan']
    header = list(rows[0])
    lines = [','.join(header)] + [','.join(f'"{r[h]}"' for h in header) for r in rows]
    return write_file(tmp_path, 'customers.csv', '\n'.join(lines) + '\n')


def test_column_meanings_and_conversions(tmp_path):
    profile, df = inspect_path(_messy_table(tmp_path))
    expect = {
        'customer_id': ('integer', 'id', None),
        'serial': ('integer', 'id', None),
        'price': ('string', 'numeric', 'currency'),
        'rate': ('string', 'numeric', 'percent'),
        'amount': ('string', 'numeric', 'numeric_text'),
        'notes': ('empty', 'empty', None),
        'signup': ('string', 'datetime', 'datetime'),
        'seen_at': ('string', 'datetime', 'datetime'),
        'active': ('string', 'boolean', 'boolean'),
        'plan': ('string', 'categorical', None),
        'country': ('string', 'constant', None),
        'review': ('string', 'text', None),
        'visits': ('integer', 'numeric', None),
        'score': ('float', 'numeric', None),
    }
    for name, (stored, meant, conversion) in expect.items():
        c = column(profile, name)
        assert (c['stored'], c['meant'], c['conversion']) == (stored, meant, conversion), name
    assert column(profile, 'notes')['missingShare'] == 1.0
    assert column(profile, 'amount')['missingShare'] == 4 / N
    assert column(profile, 'rate')['max'] <= 1.0
    assert column(profile, 'price')['min'] < 0  # (12.00) is negative
    assert len(column(profile, 'plan')['samples']) == 2
    assert profile['duplicateColumns'] == [['plan', 'plan_copy']]


def test_findings_say_what_happens(tmp_path):
    profile, _ = inspect_path(_messy_table(tmp_path))
    findings = profile['findings']
    assert any(f.startswith("Column 'price' holds currency strings like '$") and f.endswith('converting to numbers.')
               for f in findings)
    assert any(f.startswith("Column 'rate' holds percentages like") for f in findings)
    assert "Column 'amount' holds numbers stored as text like" in ' '.join(findings)
    assert "Column 'customer_id' looks like a row identifier; it will not be used as a feature." in findings
    assert "Column 'serial' looks like a row identifier; it will not be used as a feature." in findings
    assert "Column 'notes' is empty in every row; dropping it." in findings
    assert "Column 'country' has the same value ('NL') in every row; dropping it." in findings
    assert any(f.startswith("Column 'signup' holds dates like '2021-01-01'") for f in findings)
    assert any("'seen_at'" in f and 'hour' in f for f in findings)
    assert "Columns 'plan' and 'plan_copy' hold identical values; 'plan_copy' adds nothing." in findings
    assert "Column 'score' is missing in 50% of rows." in findings


def test_profile_matches_the_host_schema(tmp_path):
    profile, _ = inspect_path(_messy_table(tmp_path))
    path = tmp_path / 'profile.json'
    path.write_text(json.dumps(profile, allow_nan=False))
    validate_with_zod('ProfileSchema', path)


def test_duplicate_rows_are_counted(tmp_path):
    text = 'a,b\n1,x\n2,y\n1,x\n1,x\n'
    profile, _ = inspect_path(write_file(tmp_path, 'dup.csv', text))
    assert profile['duplicateRows'] == 2
    assert '2 rows (50%) are exact copies of earlier rows.' in profile['findings']


def test_stored_type_is_what_pandas_reads():
    def stored(values):
        return analyze_column(pd.Series(values, dtype=object), 'c')['stored']
    assert stored(['1', '2', ' 3 ']) == 'integer'
    assert stored(['1', None, '3']) == 'float'
    assert stored(['1.5', '2e3']) == 'float'
    assert stored(['True', 'false']) == 'boolean'
    assert stored(['1', 'x']) == 'string'
    assert stored([None, None]) == 'empty'


def test_unparseable_values_are_named(tmp_path):
    values = [f'{i * 1000:,}' for i in range(1, 40)] + ['unknown']
    info = analyze_column(pd.Series(values, dtype=object), 'revenue')
    assert info['conversion'] == 'numeric_text' and info['_unparsed'] == 1
    from ouro_harness.profile import column_findings
    assert "1 value such as 'unknown' cannot be read and counts as missing." in column_findings(info)[0]


def test_dates_day_first_and_month_names():
    dmy = analyze_column(pd.Series(['31/01/2020', '15/02/2020', '01/03/2020'] * 5, dtype=object), 'd')
    assert dmy['conversion'] == 'datetime' and dmy['_options'] == {'format': 'dmy'}
    named = analyze_column(pd.Series(['Jan 5, 2020', 'Feb 17, 2021', 'Mar 3, 2019'] * 5, dtype=object), 'd')
    assert named['conversion'] == 'datetime' and named['_options'] == {'format': 'text'}


def test_zip_like_codes_and_unique_names_are_not_numbers():
    info = analyze_column(pd.Series([f'z{95800 + i}' for i in range(30)] + ['z95800'] * 5, dtype=object), 'zip')
    assert info['meant'] == 'categorical'
    names = analyze_column(pd.Series([f'Person {i}' for i in range(30)], dtype=object), 'name')
    assert names['meant'] == 'id' and names['_id_reason'] == 'unique'


def test_yearly_index_is_not_an_id_but_a_row_counter_is():
    years = analyze_column(pd.Series([str(1950 + i) for i in range(40)], dtype=object), 'year')
    assert years['meant'] == 'numeric'
    counter = analyze_column(pd.Series([str(i) for i in range(1, 41)], dtype=object), 'n')
    assert counter['meant'] == 'id' and counter['_id_reason'] == 'sequence'


def test_single_value_with_blanks_says_so():
    from ouro_harness.profile import column_findings
    info = analyze_column(pd.Series(['yes', None, 'yes', None], dtype=object), 'pool')
    assert info['meant'] == 'constant'
    assert column_findings(info) == ["Column 'pool' has a single value ('yes') and is blank in 50% of rows; dropping it."]


def test_free_text_is_told_from_categories_by_words_and_uniqueness():
    rng = random.Random(5)
    words = ['late', 'box', 'torn', 'great', 'fast', 'never', 'again', 'ok', 'cold', 'food']
    short_reviews = pd.Series([' '.join(rng.choice(words) for _ in range(4)) for _ in range(200)])  # ~16 chars
    titles = pd.Series([rng.choice(['Senior Data Analyst', 'Junior Software Engineer', 'Head of Sales Operations'])
                        for _ in range(200)])
    codes = pd.Series([f'K{rng.randint(0, 10**6)}' for _ in range(200)])
    assert analyze_column(short_reviews, 'comment')['meant'] == 'text'  # short, but several words and mostly unique
    assert analyze_column(titles, 'title')['meant'] == 'categorical'  # several words, but few values repeated often
    assert analyze_column(codes, 'code')['meant'] in ('categorical', 'id')  # unique, but one word each


def test_plain_number_columns_profiled_at_once_match_the_column_by_column_profile(monkeypatch):
    import numpy as np
    import ouro_harness.profile as profile
    rng = np.random.default_rng(4)
    n = 60
    cols = {}
    for i in range(12):  # floats, some with missing cells
        v = [f'{x:.3f}' for x in rng.normal(size=n)]
        if i % 3 == 0:
            v[i] = np.nan
        cols[f'f{i}'] = v
    for i in range(12):  # small integers (stored 'integer'), and whole numbers written as floats
        cols[f'i{i}'] = [str(int(x)) if i % 2 else f'{int(x)}.0' for x in rng.integers(0, 5, size=n)]
    cols['const'] = ['7'] * n
    cols['row_id'] = [str(1000 + k) for k in range(n)]             # an identifier by name
    cols['step'] = [str(3 * k) for k in range(n)]                  # a sequence
    cols['year'] = [str(1950 + k) for k in range(n)]               # a time index, not an id
    cols['shuffled'] = [str(k) for k in rng.permutation(n)]        # distinct whole numbers
    cols['spaced'] = [' ' if k == 3 else str(k % 7) for k in range(n)]   # a blank the text pass drops
    cols['comma'] = [f'{k},000' for k in range(n)]                 # numbers stored as text
    cols['word'] = [rng.choice(['a', 'b']) for _ in range(n)]
    cols['inf'] = ['inf' if k == 0 else str(k % 9) for k in range(n)]
    cols['empty'] = [np.nan] * n
    for i in range(20):
        cols[f'g{i}'] = [f'{x:.2f}' for x in rng.uniform(size=n)]
    df = pd.DataFrame(cols, dtype=object)
    from ouro_harness.convert import as_text_matrix
    batched = profile.plain_number_infos(df, as_text_matrix(df))
    assert {df.columns[j] for j in batched} == {c for c in cols if c[0] in 'fig' and c[1:].isdigit()} | {'const', 'inf'}
    fast = profile.profile_table(df, {'delimiter': ','})
    monkeypatch.setattr(profile, 'plain_number_infos', lambda *a: {})
    slow = profile.profile_table(df, {'delimiter': ','})
    import pytest
    for a, b in zip(fast['columns'], slow['columns']):
        assert (a['mean'] is None) == (b['mean'] is None), a['name']
        assert a['mean'] is None or a['mean'] == pytest.approx(b['mean'], rel=1e-12, abs=1e-12), a['name']  # summation order
        assert {**a, 'mean': None} == {**b, 'mean': None}, a['name']
    assert fast['findings'] == slow['findings'] and fast['duplicateColumns'] == slow['duplicateColumns']
