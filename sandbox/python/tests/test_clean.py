import pickle

import numpy as np
import pandas as pd
import pytest

from ouro_harness import Cleaner, MissingColumnError
from ouro_harness.convert import as_text, parse_currency, parse_number_text, parse_percent

FEATURES = [
    {'name': 'price', 'meant': 'numeric', 'conversion': 'currency', 'categories': None, 'decimal': '.'},
    {'name': 'rate', 'meant': 'numeric', 'conversion': 'percent', 'categories': None, 'decimal': '.'},
    {'name': 'amount', 'meant': 'numeric', 'conversion': 'numeric_text', 'categories': None, 'decimal': '.'},
    {'name': 'age', 'meant': 'numeric', 'conversion': None, 'categories': None},
    {'name': 'active', 'meant': 'boolean', 'conversion': 'boolean', 'categories': None},
    {'name': 'signup', 'meant': 'datetime', 'conversion': 'datetime', 'categories': None,
     'format': 'iso', 'time': False},
    {'name': 'seen', 'meant': 'datetime', 'conversion': 'datetime', 'categories': None,
     'format': 'iso', 'time': True},
    {'name': 'plan', 'meant': 'categorical', 'conversion': None, 'categories': ['basic', 'pro']},
]

RAW = pd.DataFrame({
    'price': ['$1,200.50', '(12.00)', None],
    'rate': ['12.5%', '3%', ' '],
    'amount': ['1,234', ' 56 ', 'NA'],
    'age': ['41', '', '7.5'],
    'active': ['yes', 'N', None],
    'signup': ['2021-03-05', '2020-01-01', 'not a date'],
    'seen': ['2022-02-01 13:30:00', '2022-02-02T00:15:00Z', None],
    'plan': ['pro', ' basic ', None],
    'unused_extra': ['x', 'y', 'z'],
})


def test_cleaner_converts_raw_strings():
    X = Cleaner(FEATURES).transform(RAW)
    assert list(X.columns) == [
        'price', 'rate', 'amount', 'age', 'active',
        'signup__year', 'signup__month', 'signup__day', 'signup__dayofweek', 'signup__epoch_days',
        'seen__year', 'seen__month', 'seen__day', 'seen__dayofweek', 'seen__hour', 'seen__epoch_days',
        'plan',
    ]
    np.testing.assert_allclose(X['price'], [1200.5, -12.0, np.nan])
    np.testing.assert_allclose(X['rate'], [0.125, 0.03, np.nan])
    np.testing.assert_allclose(X['amount'], [1234, 56, np.nan])
    np.testing.assert_allclose(X['age'], [41, np.nan, 7.5])
    np.testing.assert_allclose(X['active'], [1, 0, np.nan])
    np.testing.assert_allclose(X['signup__year'], [2021, 2020, np.nan])
    np.testing.assert_allclose(X['signup__dayofweek'], [4, 2, np.nan])
    np.testing.assert_allclose(X['signup__epoch_days'], [18691, 18262, np.nan])
    np.testing.assert_allclose(X['seen__hour'], [13, 0, np.nan])
    assert X['plan'].tolist()[:2] == ['pro', 'basic'] and np.isnan(X['plan'].iloc[2])
    assert X['plan'].dtype == object
    assert all(X[c].dtype == float for c in X.columns if c != 'plan')
    assert list(Cleaner(FEATURES).get_feature_names_out()) == list(X.columns)


def test_cleaner_accepts_typed_json_values():
    records = [{'price': 1200.5, 'rate': 0.125, 'amount': 1234, 'age': 41, 'active': True,
                'signup': '2021-03-05', 'seen': '2022-02-01 13:30:00', 'plan': 'pro'},
               {'price': None, 'rate': '3%', 'amount': '56', 'age': None, 'active': 0,
                'signup': None, 'seen': None, 'plan': 7}]
    X = Cleaner(FEATURES).transform(records)
    np.testing.assert_allclose(X['price'], [1200.5, np.nan])
    np.testing.assert_allclose(X['rate'], [0.125, 0.03])
    np.testing.assert_allclose(X['amount'], [1234, 56])
    np.testing.assert_allclose(X['active'], [1, 0])
    assert X['plan'].tolist() == ['pro', '7']


def test_missing_required_column_names_it():
    with pytest.raises(KeyError) as raised:
        Cleaner(FEATURES).transform(RAW.drop(columns=['rate']))
    assert isinstance(raised.value, MissingColumnError) and raised.value.column == 'rate'
    assert "missing input column 'rate'" in str(raised.value)


def test_cleaner_pickles_and_clones():
    from sklearn.base import clone
    restored = pickle.loads(pickle.dumps(Cleaner(FEATURES)))
    pd.testing.assert_frame_equal(restored.transform(RAW), Cleaner(FEATURES).transform(RAW))
    assert clone(Cleaner(FEATURES)).features == FEATURES


def test_number_parsers():
    text = as_text(pd.Series(['1,234.5', ' 12 ', '1 234 567', '-3', '.5', 'abc', None]))
    np.testing.assert_allclose(parse_number_text(text), [1234.5, 12, 1234567, -3, 0.5, np.nan, np.nan])
    european = as_text(pd.Series(['1.234,5', '12,25', '7']))
    np.testing.assert_allclose(parse_number_text(european, ','), [1234.5, 12.25, 7])
    money = as_text(pd.Series(['$1,234.50', '€12', '(12.00)', '-£3', '12 USD', 'US$5', 'free']))
    np.testing.assert_allclose(parse_currency(money)[0], [1234.5, 12, -12, -3, 12, 5, np.nan])
    pct = as_text(pd.Series(['12.5%', '3 %', '-4%']))
    np.testing.assert_allclose(parse_percent(pct)[0], [0.125, 0.03, -0.04])


def _same_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        assert a[c].dtype == b[c].dtype, c
        left, right = a[c].to_numpy(), b[c].to_numpy()
        if a[c].dtype == object:
            assert [None if isinstance(x, float) and np.isnan(x) else x for x in left] == \
                   [None if isinstance(x, float) and np.isnan(x) else x for x in right], c
        else:
            np.testing.assert_array_equal(left, right, err_msg=c)


def test_transform_records_matches_transform_cell_for_cell():
    """The server's cell-by-cell shortcut gives exactly the DataFrame pandas' column-wise path does,
    for text cells, typed JSON cells, missing tokens, long decimals, and cells only the full parser reads."""
    features = FEATURES + [
        {'name': 'plain', 'meant': 'numeric', 'conversion': None, 'categories': None},
        {'name': 'flag', 'meant': 'boolean', 'conversion': 'boolean', 'categories': None},
    ]
    rows = RAW.astype(object).where(RAW.notna(), None).to_dict(orient='records')
    extra = [
        {'plain': '406764.17720767204', 'flag': ' TRUE ', 'age': 3, 'amount': 12.5, 'plan': 7},
        {'plain': '3608377835337.406812415868344978690736625851', 'flag': 0, 'age': True, 'amount': '1 234', 'plan': 'NA'},
        {'plain': ' -1.5e3 ', 'flag': 'maybe', 'age': 'n/a?', 'amount': None, 'plan': 2.0},
        {'plain': '12345678901234567890', 'flag': None, 'age': float('nan'), 'amount': '7', 'plan': ' pro'},
        {'plain': 'inf', 'flag': 'y', 'age': '1,5', 'amount': '-', 'plan': True},
    ]
    base = {f['name']: None for f in features}
    for i, r in enumerate(rows):
        r.update({'plain': str(i), 'flag': 'no'})
    cases = [rows] + [[{**base, **RAW.iloc[0].to_dict(), **e}] for e in extra] + [[{**base, **e} for e in extra]]
    cleaner = Cleaner(features)
    for records in cases:
        frame = pd.DataFrame.from_records(records, columns=cleaner.input_names)
        _same_frames(cleaner.transform_records(records), cleaner.transform(frame))


def test_a_wide_block_of_plain_numbers_cleans_as_column_by_column(monkeypatch, tmp_path):
    import numpy as np
    import pandas as pd
    import ouro_harness.clean as clean
    from ouro_harness.tables import read_parquet, write_parquet
    rng = np.random.default_rng(2)
    cols = {f'x{i}': [f'{v:.3f}' for v in rng.normal(size=30)] for i in range(60)}
    cols['x1'][4] = np.nan
    cols['x2'][5] = '1,234'    # not a plain number: this column goes the long way
    cols['x3'][6] = 'inf'      # not finite: the long way (to_float's own rule)
    cols['x4'][7] = ' NA '     # a missing token
    df = pd.DataFrame(cols, dtype=object)
    write_parquet(df, tmp_path / 'wide.parquet')
    df = read_parquet(tmp_path / 'wide.parquet')
    assert df.equals(pd.DataFrame(cols, dtype=object).where(lambda d: d.notna(), np.nan))
    features = [{'name': c, 'meant': 'numeric', 'conversion': None} for c in cols]
    assert set(clean.plain_number_block(df, list(cols))) == set(cols) - {'x2', 'x3', 'x4'}
    fast = clean.Cleaner(features).transform(df)
    monkeypatch.setattr(clean, 'plain_number_block', lambda *a: {})
    slow = clean.Cleaner(features).transform(df)
    pd.testing.assert_frame_equal(fast, slow)
