"""Reading an uploaded file as a table of strings: sniff encoding, BOM, delimiter and line
ending on the first bytes, reject what is not a text table with a message a person can act
on, then read every cell as a string with pandas."""

import codecs
import csv
import io
import os
import re
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .convert import NA_VALUES, PANDAS_FLOAT
from .errors import InputError

HEAD_BYTES = 64 * 1024
MAX_HEAD_BYTES = 8 * 1024 * 1024
DELIMITERS = (',', ';', '\t', '|')
DELIMITER_NAMES = {',': 'commas', ';': 'semicolons', '\t': 'tabs', '|': 'pipes'}
UPLOAD_HINT = 'upload a CSV or TSV export.'

# Leading bytes of formats people upload by mistake, and what to tell them.
MAGIC = (
    (b'\x89PNG', 'a PNG image'),
    (b'\xff\xd8\xff', 'a JPEG image'),
    (b'GIF8', 'a GIF image'),
    (b'%PDF', 'a PDF document'),
    (b'PK\x03\x04', 'a ZIP archive or an Excel workbook (.xlsx); export the sheet as CSV and upload that'),
    (b'\xd0\xcf\x11\xe0', 'an Excel workbook (.xls); export the sheet as CSV and upload that'),
    (b'\x1f\x8b', 'a gzip-compressed file; decompress it first'),
    (b'PAR1', 'a Parquet file'),
    (b'SQLite format 3\x00', 'an SQLite database'),
    (b'7z\xbc\xaf', 'a 7-Zip archive'),
)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class FileFormat:
    path: str
    name: str
    bytes: int
    codec: str          # what Python/pandas decode with
    encoding: str       # what the profile reports
    bom: bool
    delimiter: str
    line_ending: str
    header: list = field(default_factory=list)
    n_columns: int = 1

    def to_profile(self) -> dict:
        return {'bytes': self.bytes, 'encoding': self.encoding, 'delimiter': self.delimiter,
                'lineEnding': self.line_ending, 'bom': self.bom}


def human_size(n: int) -> str:
    for unit, scale in (('GB', 1 << 30), ('MB', 1 << 20), ('KB', 1 << 10)):
        if n >= scale:
            return f'{n / scale:.1f} {unit}'
    return f'{n} bytes'


def _unreadable(name: str, what: str) -> InputError:
    return InputError('input_unreadable', f'{name} does not look like a text table ({what}); {UPLOAD_HINT}')


def _read_head(path: str, size: int) -> bytes:
    """At least HEAD_BYTES, more when the first line is longer (very wide headers)."""
    want = HEAD_BYTES
    with open(path, 'rb') as f:
        head = f.read(want)
        while len(head) < size and b'\n' not in head and b'\r' not in head and want < MAX_HEAD_BYTES:
            want *= 2
            head += f.read(want - len(head))
    return head


def _decode_head(head: bytes, name: str):
    """(text, codec, reported encoding, bom)."""
    if head.startswith(codecs.BOM_UTF8):
        codec, label, bom = 'utf-8-sig', 'utf-8', True
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec, label, bom = 'utf-16', 'utf-16', True
    else:
        codec, label, bom = 'utf-8', 'utf-8', False
    if codec != 'utf-16' and b'\x00' in head:
        raise _unreadable(name, 'it contains binary bytes')
    try:
        text = codecs.getincrementaldecoder(codec)().decode(head, final=False)
    except UnicodeDecodeError:
        if codec != 'utf-8':
            raise _unreadable(name, f'it is not valid {label} text')
        codec, label, text = legacy_codec(head)
    return text, codec, label, bom


def legacy_codec(data: bytes):
    """Files that are not UTF-8 are almost always Windows-1252 or Latin-1 exports."""
    try:
        text = data.decode('cp1252')
        label = 'cp1252' if re.search(rb'[\x80-\x9f]', data) else 'latin-1'
        return 'cp1252', label, text
    except UnicodeDecodeError:
        return 'latin-1', 'latin-1', data.decode('latin-1')


def _line_ending(text: str) -> str:
    crlf = text.count('\r\n')
    cr = text.count('\r') - crlf
    lf = text.count('\n') - crlf
    if crlf and crlf >= lf and crlf >= cr:
        return 'CRLF'
    if cr > lf:
        return 'CR'
    return 'LF'


def _records(text: str, delimiter: str, limit: int = 500):
    reader = csv.reader(io.StringIO(text, newline=''), delimiter=delimiter, quotechar='"', doublequote=True)
    rows = []
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append(row)
                if len(rows) >= limit:
                    break
    except csv.Error:
        pass
    return rows


def _sniff_delimiter(text: str):
    """(delimiter, header cells, column count). The header must agree with the data rows."""
    best = None
    for order, delimiter in enumerate(DELIMITERS):
        rows = _records(text, delimiter)
        if not rows:
            continue
        counts = [len(r) for r in rows]
        data_counts = counts[1:] or counts
        mode = Counter(data_counts).most_common(1)[0][0]
        consistency = sum(c == mode for c in data_counts) / len(data_counts)
        header_ok = counts[0] == mode or (counts[0] > 1 and abs(counts[0] - mode) <= 1)
        key = (mode > 1, header_ok, round(consistency, 2), mode, -order)
        if best is None or key > best[0]:
            best = (key, delimiter, rows[0], max(counts[0], mode))
    if best is None or not best[0][0]:
        rows = _records(text, ',')
        return ',', (rows[0] if rows else ['']), 1
    return best[1], best[2], best[3]


def sniff_file(path: str, max_bytes=None) -> FileFormat:
    name = os.path.basename(path)
    size = os.path.getsize(path)
    if size == 0:
        raise InputError('input_empty', f'{name} is empty (0 bytes); upload a file with a header row and data rows.')
    if max_bytes is not None and size > max_bytes:
        raise InputError('input_too_large',
                         f'{name} is {human_size(size)}; the limit is {human_size(max_bytes)}. '
                         'Upload a smaller export or a sample of the rows.')
    head = _read_head(path, size)
    for magic, what in MAGIC:
        if head.startswith(magic):
            raise _unreadable(name, f'it is {what}')
    text, codec, label, bom = _decode_head(head, name)
    if text.startswith('\ufeff'):
        text = text[1:]
    if not text.strip():
        raise InputError('input_empty', f'{name} holds no data (only blank lines); upload a file with a header row and data rows.')
    controls = len(re.findall(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]', text))
    if controls > max(2, 0.01 * len(text)):
        raise _unreadable(name, 'it contains binary bytes')
    if text.lstrip()[:15].lower().startswith(('<!doctype html', '<html', '<?xml')):
        raise _unreadable(name, 'it is a web page or XML document')
    if len(head) < size:
        cut = max(text.rfind('\n'), text.rfind('\r'))
        text = text[:cut] if cut > 0 else text
    delimiter, header, n_columns = _sniff_delimiter(text)
    return FileFormat(path=path, name=name, bytes=size, codec=codec, encoding=label, bom=bom,
                      delimiter=delimiter, line_ending=_line_ending(text), header=header, n_columns=n_columns)


def clean_column_names(raw):
    """Strip names, name blank ones `column_<i>` (1-based), suffix duplicates `_2`, `_3`.
    Returns (names, findings)."""
    names, findings, seen = [], [], set()
    for i, cell in enumerate(raw):
        base = (cell or '').strip()
        if not base:
            base = f'column_{i + 1}'
            findings.append(f"Column {i + 1} has no name; calling it '{base}'.")
        candidate, k = base, 2
        while candidate in seen:
            candidate = f'{base}_{k}'
            k += 1
        if candidate != base:
            findings.append(f"More than one column is named '{base}'; calling column {i + 1} '{candidate}'.")
        seen.add(candidate)
        names.append(candidate)
    return names, findings


def _read(path: str, fmt: FileFormat, codec: str):
    placeholders = [f'_c{i}' for i in range(fmt.n_columns)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        df = pd.read_csv(
            path, sep=fmt.delimiter, header=0, names=placeholders, index_col=False, dtype=str,
            keep_default_na=False, na_values=NA_VALUES, on_bad_lines='warn', skip_blank_lines=True,
            quotechar='"', doublequote=True, encoding=codec, encoding_errors='strict', engine='c',
        )
    skipped = []
    for w in caught:
        skipped += re.findall(r'Skipping line (\d+): ([^\n]+)', str(w.message))
    return df, skipped


def read_table(path: str, fmt: FileFormat):
    """The file as a DataFrame of str cells (NaN for missing tokens), and findings."""
    findings = []
    try:
        try:
            df, skipped = _read(path, fmt, fmt.codec)
        except UnicodeDecodeError:
            if fmt.codec not in ('utf-8', 'utf-8-sig'):
                if fmt.codec != 'cp1252':
                    raise
                fmt.codec, fmt.encoding = 'latin-1', 'latin-1'
            else:
                with open(path, 'rb') as f:
                    fmt.codec, fmt.encoding, _ = legacy_codec(f.read())
            df, skipped = _read(path, fmt, fmt.codec)
    except pd.errors.EmptyDataError:
        raise InputError('input_empty', f'{fmt.name} holds no data; upload a file with a header row and data rows.')
    except pd.errors.ParserError as err:
        detail = re.sub(r'^Error tokenizing data\. C error:\s*', '', str(err).strip().splitlines()[-1])
        eof = re.search(r'EOF inside string starting at row (\d+)', detail)
        if eof:
            detail = f'a quoted value starting on row {eof.group(1)} never ends (an unbalanced quote mark)'
        raise InputError('input_unreadable', f'{fmt.name} could not be read as a table: {detail}; {UPLOAD_HINT}')
    except UnicodeDecodeError:
        raise _unreadable(fmt.name, 'its text encoding is not UTF-8, Windows-1252 or Latin-1')
    if fmt.codec in ('cp1252', 'latin-1'):
        findings.append(f'{fmt.name} is not UTF-8; read it as {fmt.encoding}.')

    header = list(fmt.header) + [''] * (fmt.n_columns - len(fmt.header))
    names, name_findings = clean_column_names(header[:fmt.n_columns])
    df.columns = names
    findings += name_findings
    if fmt.delimiter != ',':
        findings.append(f'Columns are separated by {DELIMITER_NAMES[fmt.delimiter]}.')
    if skipped:
        line, why = skipped[0]
        findings.append(f'Skipped {len(skipped)} malformed line{"s" if len(skipped) > 1 else ""} '
                        f'(line {line}: {why.strip()}).')
    blank = df.isna().all(axis=1)
    if blank.any() and not blank.all():
        df = df[~blank].reset_index(drop=True)
        findings.append(f'Skipped {int(blank.sum())} row{"s" if blank.sum() > 1 else ""} with no values.')
    elif blank.all():
        df = df.iloc[0:0]
    if names and all(PANDAS_FLOAT.fullmatch(n) for n in names):
        findings.append('The first row holds numbers, not column names; the file may lack a header row.')
    return df.astype(object).where(df.notna(), np.nan), findings
