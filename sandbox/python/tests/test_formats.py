"""Tables that are not delimited text, told by their bytes: each reads to the same table as its CSV."""
import gzip
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from conftest import write_file


def _inspect(cli, tmp_path, path):
    code, _out, err = cli('inspect', '--input', path, '--profile', tmp_path / 'p.json', '--table', tmp_path / 't.parquet', '--max-bytes', 10_000_000)
    return code, err


def _frame():
    rng = np.random.default_rng(1)
    return pd.DataFrame({'age': rng.integers(18, 80, 40), 'spend': rng.normal(size=40).round(3), 'plan': rng.choice(['a', 'b'], 40), 'churn': rng.choice(['yes', 'no'], 40)})


@pytest.mark.parametrize('fmt', ['xlsx', 'parquet', 'json', 'jsonl', 'csv.gz', 'zip', 'misnamed'])
def test_each_format_reads_to_the_same_table(cli, tmp_path, fmt):
    df = _frame()
    path = tmp_path / f'upload.{fmt}'
    if fmt == 'xlsx':
        df.to_excel(path, index=False, sheet_name='Customers')
    elif fmt in ('parquet', 'misnamed'):
        df.to_parquet(path)  # `misnamed`: Parquet bytes under a .misnamed name
    elif fmt == 'json':
        df.to_json(path, orient='records')
    elif fmt == 'jsonl':
        df.to_json(path, orient='records', lines=True)
    elif fmt == 'csv.gz':
        path.write_bytes(gzip.compress(df.to_csv(index=False).encode()))
    else:
        with zipfile.ZipFile(path, 'w') as z:
            z.writestr('export/customers.csv', df.to_csv(index=False))
    code, err = _inspect(cli, tmp_path, path)
    assert code == 0, err
    profile = json.loads((tmp_path / 'p.json').read_text())
    assert profile['rows'] == 40
    assert [c['name'] for c in profile['columns']] == ['age', 'spend', 'plan', 'churn']
    table = pd.read_parquet(tmp_path / 't.parquet')
    assert list(table['age'].astype(str)) == [str(v) for v in df['age']]
    if fmt == 'xlsx':
        assert profile['file']['sheet'] == 'Customers'


@pytest.mark.parametrize('name, build, phrase', [
    ('two.zip', lambda p: _zip(p, {'a.csv': 'x\n1\n', 'b.csv': 'y\n2\n'}), 'holds several tables'),
    ('macro.xlsx', lambda p: _zip(p, {'xl/workbook.xml': '<workbook/>', 'xl/vbaProject.bin': 'x'}), 'macro-enabled workbook'),
    ('locked.xlsx', lambda p: p.write_bytes(b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\x00' * 100 + 'EncryptionInfo'.encode('utf-16-le')), 'password-protected workbook'),
    ('old.xls', lambda p: p.write_bytes(b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + b'\x00' * 200), 'legacy Excel workbook'),
    ('nested.json', lambda p: p.write_text('{"a": [{"x": 1}], "b": [{"y": 2}]}'), 'several tables'),
])
def test_clear_errors(cli, tmp_path, name, build, phrase):
    path = tmp_path / name
    build(path)
    code, err = _inspect(cli, tmp_path, path)
    assert code == 3
    assert phrase in err


def _zip(path, members):
    with zipfile.ZipFile(path, 'w') as z:
        for k, v in members.items():
            z.writestr(k, v)


def test_the_sheet_the_goal_names(cli, tmp_path):
    df = _frame()
    path = tmp_path / 'book.xlsx'
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({'note': ['read me first'], 'n': [1]}).to_excel(w, index=False, sheet_name='About')
        df.to_excel(w, index=False, sheet_name='Sales 2024')
    code, err = _inspect(cli, tmp_path, path)
    assert code == 0, err
    first = json.loads((tmp_path / 'p.json').read_text())
    assert first['file']['sheet'] == 'About'
    assert "say \"use the sheet <name>\"" in ' '.join(first['findings'])
    code, _out, err = cli('inspect', '--input', path, '--profile', tmp_path / 'p.json', '--table', tmp_path / 't.parquet', '--sheet', 'sales  2024')
    assert code == 0, err
    named = json.loads((tmp_path / 'p.json').read_text())
    assert named['file']['sheet'] == 'Sales 2024' and named['rows'] == 40
    assert "read the sheet 'Sales 2024', as the goal asked" in ' '.join(named['findings'])
    code, _out, err = cli('inspect', '--input', path, '--profile', tmp_path / 'p.json', '--table', tmp_path / 't.parquet', '--sheet', 'Costs')
    assert code == 3
    assert "no sheet named 'Costs'; its sheets are 'About', 'Sales 2024'" in err
