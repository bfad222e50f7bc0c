"""Tables that are not delimited text: Excel workbooks, Parquet, JSON records, and a CSV inside a
.gz or a .zip. The format is told by the file's bytes, never by its name (a chat upload's name
is whatever the person called it). Each reader returns the same thing the CSV path does: a
DataFrame of str cells (NaN for missing), the profile's file facts, and findings to say."""

import gzip
import json
import os
import zipfile

import numpy as np
import pandas as pd

from .errors import InputError
from .sniff import clean_column_names, human_size

OLE = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
DATA_MEMBER = ('.csv', '.tsv', '.txt', '.tab', '.json', '.jsonl', '.ndjson', '.parquet', '.xlsx')


def detect(head: bytes) -> str:
    """'xlsx' / 'zip' / 'gzip' / 'parquet' / 'json' / 'ole' / 'text', from the first bytes."""
    if head.startswith(b'PAR1'):
        return 'parquet'
    if head.startswith(b'PK\x03\x04'):
        return 'zip'
    if head.startswith(b'\x1f\x8b'):
        return 'gzip'
    if head.startswith(OLE):
        return 'ole'
    stripped = head.lstrip(b'\xef\xbb\xbf \t\r\n')
    if stripped[:1] in (b'[', b'{'):
        return 'json'
    return 'text'


def _as_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text a CSV export would hold; missing stays NaN."""
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            text = s.dt.strftime('%Y-%m-%d %H:%M:%S').str.replace(' 00:00:00', '', regex=False)
        elif pd.api.types.is_float_dtype(s):
            text = s.map(lambda v: np.nan if pd.isna(v) else (str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))))
        else:
            text = s.map(lambda v: np.nan if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT
                         else (json.dumps(v) if isinstance(v, (dict, list)) else str(v)))
        out[col] = text.astype(object).where(~s.isna(), np.nan)
    frame = pd.DataFrame(out)
    names, findings = clean_column_names([str(c) if c is not None else '' for c in df.columns])
    frame.columns = names
    return frame, findings


def _info(size: int, fmt: str, **extra) -> dict:
    return {'bytes': size, 'encoding': 'binary' if fmt in ('xlsx', 'parquet') else 'utf-8', 'delimiter': ',',
            'lineEnding': 'LF', 'bom': False, 'format': fmt, **extra}


def read_parquet_table(path: str, name: str, size: int):
    try:
        df = pd.read_parquet(path)
    except Exception as err:  # pyarrow's errors name the damage
        raise InputError('input_unreadable', f'{name} is a Parquet file that could not be read ({err}).')
    frame, findings = _as_strings(df)
    return frame, _info(size, 'parquet'), [f'{name} is a Parquet file; read its {len(df.columns)} columns.'] + findings


def _named_sheet(wb, name: str, wanted: str):
    """The sheet the goal named: its exact title, else the one title equal to it ignoring case and spaces."""
    titles = [ws.title for ws in wb.worksheets]
    if wanted in titles:
        return wb[wanted]
    norm = lambda t: ' '.join(t.split()).casefold()
    close = [t for t in titles if norm(t) == norm(wanted)]
    if len(close) == 1:
        return wb[close[0]]
    listed = ', '.join(repr(t) for t in titles[:12])
    raise InputError('input_unreadable', f"{name} has no sheet named '{wanted}'; its sheets are {listed}. Name one of them (e.g. \"use the sheet {titles[0]}\").")


def read_xlsx_table(path: str, name: str, size: int, sheet: str | None = None):
    with zipfile.ZipFile(path) as z:
        members = set(z.namelist())
    if 'xl/vbaProject.bin' in members:
        raise InputError('input_unreadable', f'{name} is a macro-enabled workbook (.xlsm); I do not open files with macros: save the sheet as .xlsx or CSV and upload that.')
    import openpyxl  # only workbooks need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:
        raise InputError('input_unreadable', f'{name} is a workbook that could not be opened ({err}); save the sheet as CSV and upload that.')
    try:
        if sheet is not None:
            ws = _named_sheet(wb, name, sheet)
        else:
            sheets = [ws for ws in wb.worksheets if ws.max_row and ws.max_row > 1]
            if not sheets:
                raise InputError('input_no_rows', f'{name} has no sheet with a header row and data rows.')
            ws = sheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    if len(rows) < 2:
        raise InputError('input_no_rows', f"The sheet '{ws.title}' of {name} has no header row with data rows under it; name another sheet.")
    header = [('' if v is None else str(v)) for v in rows[0]]
    width = max(len(header), *(len(r) for r in rows[1:])) if len(rows) > 1 else len(header)
    while width > 0 and (width > len(header) or header[width - 1] == '') and all((len(r) < width or r[width - 1] is None) for r in rows[1:]):
        width -= 1
    data = [list(r[:width]) + [None] * (width - len(r)) for r in rows[1:]]
    df = pd.DataFrame(data, columns=[f'_c{i}' for i in range(width)])
    frame, findings = _as_strings(df)
    names, name_findings = clean_column_names(header[:width] + [''] * (width - len(header)))
    frame.columns = names
    others = [s.title for s in wb.worksheets if s.title != ws.title]
    said = f"{name} is an Excel workbook; read the sheet '{ws.title}'"
    if sheet is not None:
        said += ', as the goal asked.'
    else:
        said += f" (the first with data; the others: {', '.join(repr(o) for o in others[:5])}; say \"use the sheet <name>\" for another)." if others else '.'
    return frame, _info(size, 'xlsx', sheet=ws.title), [said] + name_findings


def read_json_table(path: str, name: str, size: int):
    with open(path, 'rb') as f:
        raw = f.read()
    text = raw.decode('utf-8-sig', errors='strict')
    records = None
    fmt = 'json'
    try:
        doc = json.loads(text)
        if isinstance(doc, list):
            records = doc
        elif isinstance(doc, dict):
            lists = [v for v in doc.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
            if len(lists) == 1:
                records = lists[0]
            elif len(lists) > 1:
                raise InputError('input_unreadable', f'{name} holds several tables ({len(lists)} lists of records); upload one of them.')
    except json.JSONDecodeError:
        try:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
            fmt = 'jsonl'
        except json.JSONDecodeError as err:
            raise InputError('input_unreadable', f'{name} is neither JSON nor JSON Lines (line {err.lineno}: {err.msg}).')
    if not records or not all(isinstance(r, dict) for r in records):
        raise InputError('input_unreadable', f'{name} is JSON but not a list of records (objects with the same keys); upload a table.')
    df = pd.json_normalize(records, max_level=1)
    frame, findings = _as_strings(df)
    kind = 'JSON Lines' if fmt == 'jsonl' else 'JSON'
    return frame, _info(size, fmt), [f'{name} is {kind}; read {len(records)} records.'] + findings


def _cap(max_bytes):
    return max_bytes if max_bytes is not None else 1 << 34


def unpack(path: str, name: str, kind: str, max_bytes, workdir: str) -> str:
    """The one table inside a .gz or .zip, written to `workdir`, cut at the size limit."""
    cap = _cap(max_bytes)
    if kind == 'gzip':
        inner = name[:-3] if name.lower().endswith('.gz') else name + '.data'
        out = os.path.join(workdir, os.path.basename(inner) or 'data')
        with gzip.open(path, 'rb') as src, open(out, 'wb') as dst:
            _copy_capped(src, dst, cap, name)
        return out
    with zipfile.ZipFile(path) as z:
        members = [i for i in z.infolist() if not i.is_dir() and not os.path.basename(i.filename).startswith('.')
                   and not i.filename.startswith('__MACOSX/') and i.filename.lower().endswith(DATA_MEMBER)]
        if not members:
            raise InputError('input_unreadable', f'{name} is a ZIP archive with no table in it (CSV, TSV, JSON, Parquet or .xlsx).')
        if len(members) > 1:
            listed = ', '.join(os.path.basename(m.filename) for m in members[:6])
            raise InputError('input_unreadable', f'{name} holds several tables ({listed}); upload the one to learn from.')
        if any(i.flag_bits & 0x1 for i in members):
            raise InputError('input_unreadable', f'{name} is password-protected; upload the file without a password.')
        out = os.path.join(workdir, os.path.basename(members[0].filename))
        with z.open(members[0]) as src, open(out, 'wb') as dst:
            _copy_capped(src, dst, cap, name)
        return out


def _copy_capped(src, dst, cap: int, name: str) -> None:
    total = 0
    while True:
        chunk = src.read(1 << 20)
        if not chunk:
            return
        total += len(chunk)
        if total > cap:
            raise InputError('input_too_large', f'{name} unpacks to more than {human_size(cap)}; the limit is {human_size(cap)}. Upload a sample of the rows.')
        dst.write(chunk)


def ole_problem(path: str, name: str) -> InputError:
    """An OLE file: a password-protected workbook (its EncryptionInfo stream), or a legacy .xls."""
    with open(path, 'rb') as f:
        head = f.read(1 << 20)
    if 'EncryptionInfo'.encode('utf-16-le') in head:
        return InputError('input_unreadable', f'{name} is a password-protected workbook; remove the password (File › Info › Protect Workbook) or export the sheet as CSV.')
    return InputError('input_unreadable', f'{name} is a legacy Excel workbook (.xls); save it as .xlsx or CSV and upload that.')
