import zipfile

import pytest

from conftest import run_module, write_file

PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89'


def _inspect(cli, tmp_path, path, *extra):
    return cli('inspect', '--input', path, '--profile', tmp_path / 'p.json', '--table', tmp_path / 't.parquet', *extra)


@pytest.mark.parametrize('name, content, code, phrase', [
    ('empty.csv', b'', 'input_empty', 'empty.csv is empty (0 bytes)'),
    ('blank.csv', b'\n\n  \r\n', 'input_empty', 'only blank lines'),
    ('header.csv', b'a,b,c\n', 'input_no_rows', 'header.csv has a header row but no data rows.'),
    ('header_crlf.csv', b'a;b\r\n\r\n', 'input_no_rows', 'no data rows'),
    ('binary.csv', b'a,b\n1,\x00\x01\x02\x03\n', 'input_unreadable',
     'binary.csv does not look like a text table (it contains binary bytes); upload a CSV or TSV export.'),
    ('image.csv', PNG, 'input_unreadable', 'image.csv does not look like a text table (it is a PNG image)'),
    ('page.csv', b'<!DOCTYPE html><html><body>login</body></html>', 'input_unreadable', 'web page'),
])
def test_unusable_inputs_exit_3_with_one_line(cli, tmp_path, name, content, code, phrase):
    path = write_file(tmp_path, name, content)
    exit_code, out, err = _inspect(cli, tmp_path, path)
    assert exit_code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f'OURO_INPUT_ERROR {code}: ')
    assert phrase in lines[0]
    assert not (tmp_path / 'p.json').exists()


def test_excel_workbook_named_csv(cli, tmp_path):
    path = tmp_path / 'sheet.csv'
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr('xl/workbook.xml', '<workbook/>')
    exit_code, _, err = _inspect(cli, tmp_path, str(path))
    assert exit_code == 3 and 'OURO_INPUT_ERROR input_unreadable' in err and 'Excel' in err


def test_random_bytes_are_unreadable(cli, tmp_path):
    import random
    rng = random.Random(1)
    path = write_file(tmp_path, 'noise.csv', bytes(rng.randrange(256) for _ in range(5000)))
    exit_code, _, err = _inspect(cli, tmp_path, path)
    assert exit_code == 3 and err.startswith('OURO_INPUT_ERROR input_unreadable: noise.csv does not look like a text table')


def test_file_over_max_bytes(cli, tmp_path):
    path = write_file(tmp_path, 'big.csv', 'a,b\n' + '1,2\n' * 1000)
    exit_code, _, err = _inspect(cli, tmp_path, path, '--max-bytes', 1024)
    assert exit_code == 3
    assert err.strip() == 'OURO_INPUT_ERROR input_too_large: big.csv is 3.9 KB; the limit is 1.0 KB. ' \
                          'Upload a smaller export or a sample of the rows.'


def test_unbalanced_quote_is_reported_not_raised(cli, tmp_path):
    path = write_file(tmp_path, 'quote.csv', 'a,b\n1,"open\n2,3\n')
    exit_code, _, err = _inspect(cli, tmp_path, path)
    assert exit_code == 3 and err.startswith('OURO_INPUT_ERROR input_unreadable: quote.csv could not be read')


def test_child_process_prints_no_traceback(tmp_path):
    path = write_file(tmp_path, 'empty.csv', b'')
    result = run_module('inspect', '--input', path, '--profile', tmp_path / 'p.json', '--table', tmp_path / 't.parquet')
    assert result.returncode == 3
    assert result.stderr == 'OURO_INPUT_ERROR input_empty: empty.csv is empty (0 bytes); ' \
                            'upload a file with a header row and data rows.\n'
    assert result.stdout == ''
