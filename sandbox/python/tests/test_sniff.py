import numpy as np

from conftest import column, inspect_path, write_file


def test_bom_semicolon_crlf_with_decimal_commas(tmp_path):
    text = 'name;price;qty\r\n"Smith; John";1,5;3\r\nAnna;2,25;4\r\nBo;10,0;5\r\n'
    path = write_file(tmp_path, 'data.csv', '\ufeff' + text)
    profile, df = inspect_path(path)
    assert profile['file'] == {'bytes': len(('\ufeff' + text).encode()), 'encoding': 'utf-8',
                               'delimiter': ';', 'lineEnding': 'CRLF', 'bom': True}
    assert list(df.columns) == ['name', 'price', 'qty']
    assert df['name'].tolist() == ['Smith; John', 'Anna', 'Bo']
    price = column(profile, 'price')
    assert (price['meant'], price['conversion']) == ('numeric', 'numeric_text')
    assert price['min'] == 1.5 and price['max'] == 10.0
    assert 'Columns are separated by semicolons.' in profile['findings']


def test_latin1_file_falls_back_and_keeps_accents(tmp_path):
    text = 'city,temp\nZürich,12\nMálaga,25\nSão Paulo,30\n'
    path = write_file(tmp_path, 'weather.csv', text, encoding='latin-1')
    profile, df = inspect_path(path)
    assert profile['file']['encoding'] == 'latin-1'
    assert df['city'].tolist() == ['Zürich', 'Málaga', 'São Paulo']
    assert any('not UTF-8' in f for f in profile['findings'])


def test_windows_1252_euro_sign_is_read_as_currency(tmp_path):
    text = 'item;cost\nA;€12\nB;€7,50\nC;€1.200,00\n'
    path = write_file(tmp_path, 'costs.csv', text, encoding='cp1252')
    profile, df = inspect_path(path)
    assert profile['file']['encoding'] == 'cp1252'
    cost = column(profile, 'cost')
    assert cost['conversion'] == 'currency'
    assert (cost['min'], cost['max']) == (7.5, 1200.0)


def test_invalid_utf8_after_the_sniffed_head_falls_back(tmp_path):
    rows = ''.join(f'{i},plain\n' for i in range(9000))
    data = b'n,word\n' + rows.encode() + 'last,caf\xe9\n'.encode('latin-1')
    path = write_file(tmp_path, 'late.csv', data)
    profile, df = inspect_path(path)
    assert profile['file']['encoding'] == 'latin-1'
    assert df['word'].iloc[-1] == 'café'


def test_tab_pipe_and_cr_line_endings(tmp_path):
    profile, df = inspect_path(write_file(tmp_path, 't.tsv', 'a\tb\n1\t2\n3\t4\n'))
    assert profile['file']['delimiter'] == '\t' and df.shape == (2, 2)
    profile, df = inspect_path(write_file(tmp_path, 'p.csv', 'a|b|c\r1|2|3\r4|5|6\r'))
    assert profile['file']['delimiter'] == '|' and profile['file']['lineEnding'] == 'CR'
    assert df['c'].tolist() == ['3', '6']


def test_quoted_fields_with_delimiters_quotes_and_newlines(tmp_path):
    text = 'id,comment,score\n1,"Good, very ""good""\nindeed",5\n2,"plain",3\n'
    profile, df = inspect_path(write_file(tmp_path, 'q.csv', text))
    assert profile['rows'] == 2
    assert df['comment'].iloc[0] == 'Good, very "good"\nindeed'
    assert df['score'].tolist() == ['5', '3']


def test_column_names_are_stripped_filled_and_deduplicated(tmp_path):
    text = ' a , ,a,b\n1,2,3,4\n5,6,7,8\n'
    profile, df = inspect_path(write_file(tmp_path, 'names.csv', text))
    assert list(df.columns) == ['a', 'column_2', 'a_2', 'b']
    assert "Column 2 has no name; calling it 'column_2'." in profile['findings']
    assert any("'a_2'" in f for f in profile['findings'])


def test_malformed_lines_are_skipped_and_reported(tmp_path):
    text = 'a,b\n1,2\n3,4,5\n6,7\n8\n'
    profile, df = inspect_path(write_file(tmp_path, 'bad.csv', text))
    assert df['a'].tolist() == ['1', '6', '8']
    assert df['b'].tolist()[:2] == ['2', '7'] and np.isnan(df['b'].iloc[2])
    assert any(f.startswith('Skipped 1 malformed line (line 3') for f in profile['findings'])


def test_missing_tokens_become_nan(tmp_path):
    text = 'x,y\nNA,1\nnull,2\n?,3\n,4\nN/A,5\nok,6\n'
    profile, df = inspect_path(write_file(tmp_path, 'na.csv', text))
    assert df['x'].isna().sum() == 5
    assert column(profile, 'x')['missingShare'] == 5 / 6


def test_utf16_with_bom(tmp_path):
    path = write_file(tmp_path, 'u16.csv', 'a,b\n1,x\n2,y\n', encoding='utf-16')
    profile, df = inspect_path(path)
    assert profile['file']['encoding'] == 'utf-16' and profile['file']['bom'] is True
    assert df['b'].tolist() == ['x', 'y']
