"""Value parsing shared by the profiler and the cleaner: missing tokens, numbers stored as
text, currency, percent, booleans and dates. Every parser takes a Series of stripped
strings (NaN for missing) and returns floats or datetimes with NaN/NaT where a value does
not parse, so one odd cell never stops a run."""

import math
import numbers
import re
import warnings

import numpy as np
import pandas as pd

# Cells that mean "no value". Matched after stripping whitespace, so ' NA ' and '   ' are missing too.
MISSING_TOKENS = frozenset(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', 'none', '?'])
NA_VALUES = sorted(MISSING_TOKENS)

TRUE_TOKENS = frozenset(['true', 't', 'yes', 'y'])
FALSE_TOKENS = frozenset(['false', 'f', 'no', 'n'])

# What pandas' C parser accepts as a float (it also tolerates surrounding spaces).
PANDAS_FLOAT = re.compile(r'\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|Inf|INF|infinity|Infinity)\s*')
PANDAS_BOOL = frozenset(['True', 'TRUE', 'true', 'False', 'FALSE', 'false'])

# Numbers written for people: thousands separators (including Indian 1,00,000 grouping).
_NUM = {
    '.': r'[+-]?(?:(?:\d{1,3}(?:,\d{2,3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?',
    ',': r'[+-]?(?:(?:\d{1,3}(?:\.\d{2,3})+|\d+)(?:,\d*)?|,\d+)(?:[eE][+-]?\d+)?',
}
_SPACES = r"[\s\u00a0\u202f'\u2019]"  # 1 234 567, 1'234'567

CURRENCY_SYMBOLS = '$€£¥₹₩₽₺₪฿₫₴₦¢'
_CODES = 'USD|EUR|GBP|JPY|CNY|RMB|CHF|CAD|AUD|NZD|INR|SEK|NOK|DKK|PLN|BRL|MXN|ZAR|RUB|KRW|SGD|HKD|TRY'
_CUR = rf'(?:[A-Z]{{1,2}}\$|[{re.escape(CURRENCY_SYMBOLS)}]|(?:{_CODES})\b)'
_CURRENCY_RE = re.compile(
    rf'^(?P<open>\()?\s*(?P<s1>[+-])?\s*(?P<c1>{_CUR})?\s*(?P<s2>[+-])?\s*'
    rf'(?P<num>[\d.,\s\u00a0\u202f\'\u2019]*\d[\d.,\s\u00a0\u202f\'\u2019]*?)\s*'
    rf'(?P<c2>{_CUR}|(?:{_CODES}))?\s*(?P<s3>-)?\s*(?P<close>\))?$'
)

_TIME = (r'(?:(?:[T ]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?'
         r'\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?$')
DATE_PATTERNS = {
    'iso': re.compile(r'^(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?' + _TIME),
    'dmy': re.compile(r'^(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})' + _TIME),
    'mdy': re.compile(r'^(?P<m>\d{1,2})(?P<sep>[-/.])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})' + _TIME),
}
_MONTH_NAME = re.compile(r'\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b', re.IGNORECASE)
_DAY_MONTH = re.compile(r'^(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.]')


def _scalar_text(value):
    if value is None:
        return np.nan
    if isinstance(value, str):
        text = value.strip()
        return np.nan if text in MISSING_TOKENS else text
    if isinstance(value, (bool, np.bool_)):
        return 'True' if value else 'False'
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return np.nan
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, 'isoformat'):
        if pd.isna(value):
            return np.nan
        return pd.Timestamp(value).isoformat()
    return str(value).strip()


def as_text(series: pd.Series) -> pd.Series:
    """Stripped strings with NaN for missing, whatever the input held (str, numbers, None)."""
    if _all_text(series):
        text = series.where(series.notna(), None).astype(object)
        stripped = text.str.strip()
        return stripped.where(stripped.notna() & ~stripped.isin(MISSING_TOKENS), np.nan).astype(object)
    return series.map(_scalar_text).astype(object)


def as_text_matrix(df: pd.DataFrame) -> np.ndarray:
    """as_text of every cell, rows x columns (object), in one pass over all cells."""
    n = len(df)
    cells = pd.Series(df.to_numpy(dtype=object).ravel(order='F'))
    return as_text(cells).to_numpy(dtype=object).reshape((n, len(df.columns)), order='F')


def as_text_columns(df: pd.DataFrame, matrix=None) -> dict:
    """{column: as_text(column)} for every column, computed in one pass over all cells: a wide
    table (thousands of columns) would otherwise pay pandas' per-call overhead per column.
    `matrix` is as_text_matrix(df) when the caller already has it."""
    if matrix is None and (len(df.columns) < 50 or len(df) == 0):
        return {c: as_text(df[c]) for c in df.columns}
    values = as_text_matrix(df) if matrix is None else matrix
    return {c: pd.Series(values[:, i], index=df.index, name=c, dtype=object) for i, c in enumerate(df.columns)}


def _plain_numbers(series: pd.Series) -> pd.Series:
    """Numbers (and bools) already typed, as floats; NaN elsewhere."""
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype(float)

    def num(v):
        if isinstance(v, (bool, np.bool_)):
            return float(v)
        if isinstance(v, numbers.Real):
            return float(v)
        return np.nan

    return series.map(num).astype(float)


def _all_text(series: pd.Series) -> bool:
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ('string', 'empty')


def _typed_mask(series: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return pd.Series(True, index=series.index)
    if _all_text(series):
        return pd.Series(False, index=series.index)
    return series.map(lambda v: isinstance(v, (numbers.Real, np.bool_)) and not isinstance(v, str))


def parse_number_text(text: pd.Series, decimal: str = '.') -> pd.Series:
    """'1,234.5', ' 12 ', '1 234', '-3' -> floats. `decimal` ',' reads '1.234,5' as 1234.5."""
    text = text.astype(object)
    if decimal == '.':
        # Plain numbers parse in C; only the rest goes through the regular expressions.
        direct = pd.to_numeric(text, errors='coerce').astype(float)
        rest = text.notna() & direct.isna()
        if rest.any():
            direct[rest] = _parse_number_slow(text[rest], decimal)
        return direct.rename(text.name)
    return _parse_number_slow(text, decimal)


def _parse_number_slow(text: pd.Series, decimal: str) -> pd.Series:
    compact = text.str.replace(_SPACES, '', regex=True)
    ok = compact.str.fullmatch(_NUM[decimal]).eq(True)
    if decimal == '.':
        canon = compact.str.replace(',', '', regex=False)
    else:
        canon = compact.str.replace('.', '', regex=False).str.replace(',', '.', regex=False)
    return pd.to_numeric(canon.where(ok, np.nan), errors='coerce').astype(float).rename(text.name)


def parse_currency(text: pd.Series, decimal: str = '.'):
    """'$1,234.50', '€12', '(12.00)', '-£3', '12 USD' -> floats. Returns (values, has_symbol)."""
    parts = text.astype(object).str.extract(_CURRENCY_RE)
    number = parse_number_text(parts['num'], decimal)
    has_open, has_close = parts['open'].notna(), parts['close'].notna()
    signs = parts[['s1', 's2', 's3']].notna().sum(axis=1)
    negative = (has_open & has_close) | (parts[['s1', 's2', 's3']] == '-').any(axis=1)
    valid = (has_open == has_close) & (signs <= 1) & ~(parts['c1'].notna() & parts['c2'].notna())
    values = number.where(valid, np.nan)
    values = values.where(~negative, -values.abs())
    has_symbol = (parts['c1'].notna() | parts['c2'].notna() | (has_open & has_close)) & values.notna()
    return values.astype(float).rename(text.name), has_symbol.astype(bool)


def parse_percent(text: pd.Series, decimal: str = '.'):
    """'12.5%' -> 0.125. Values without '%' in a percent column are read as percents too."""
    text = text.astype(object)
    has_pct = text.str.endswith('%').eq(True)
    number = text.where(~has_pct, text.str[:-1].str.rstrip())
    values = parse_number_text(number, decimal) / 100.0
    return values.astype(float).rename(text.name), (has_pct & values.notna()).astype(bool)


def parse_boolean(text: pd.Series) -> pd.Series:
    lowered = text.astype(object).str.lower()
    out = pd.Series(np.nan, index=text.index, dtype=float, name=text.name)
    out[lowered.isin(TRUE_TOKENS | {'1', '1.0'})] = 1.0
    out[lowered.isin(FALSE_TOKENS | {'0', '0.0'})] = 0.0
    return out


def detect_decimal(text: pd.Series, file_delimiter: str = ',') -> str:
    """Which mark separates decimals in a column of numbers written as text."""
    sample = text.dropna()
    dot = sample.str.contains(r'\.\d{1,2}(?:\D|$)|\.\d{4,}|\d,\d{3}\.\d', regex=True).sum()
    comma = sample.str.contains(r',\d{1,2}(?:\D|$)|,\d{4,}|\d\.\d{3},\d', regex=True).sum()
    if comma > dot:
        return ','
    if dot > comma:
        return '.'
    return ',' if file_delimiter == ';' else '.'


def detect_date_format(text: pd.Series):
    """'iso' (2020-01-31 13:00), 'dmy' (31/01/2020), 'mdy' (01/31/2020), 'text' (Jan 31, 2020) or None."""
    sample = text.dropna()
    if sample.empty:
        return None
    need = 0.95 * len(sample)
    if sample.str.fullmatch(DATE_PATTERNS['iso']).sum() >= need:
        return 'iso'
    if sample.str.fullmatch(DATE_PATTERNS['dmy']).sum() >= need:
        parts = sample.str.extract(_DAY_MONTH).astype(float)
        first_big, second_big = (parts['a'] > 12).any(), (parts['b'] > 12).any()
        if first_big and not second_big:
            return 'dmy'
        if second_big and not first_big:
            return 'mdy'
        if first_big and second_big:
            return None
        # Ambiguous (all parts <= 12): slashes are usually US exports, dots and dashes European.
        return 'mdy' if sample.str.contains('/', regex=False).mean() > 0.5 else 'dmy'
    if sample.str.contains(_MONTH_NAME).sum() >= need and sample.str.contains(r'\d', regex=True).all():
        parsed = parse_datetime(sample, 'text')[0]
        if parsed.notna().sum() >= need:
            return 'text'
    return None


def parse_datetime(text: pd.Series, fmt: str):
    """Returns (naive UTC datetime64 Series, has_time bool Series)."""
    text = text.astype(object)
    if fmt == 'iso':
        # Strict ISO 8601 parses in C; the regular expressions handle the rest (2020/1/5, 1:30 PM).
        fast = pd.to_datetime(text, format='ISO8601', errors='coerce', utc=True).dt.tz_localize(None)
        fast = fast.astype('datetime64[ns]').rename(text.name)
        has_time = (fast.notna() & text.str.contains(':', regex=False).eq(True)).to_numpy(dtype=bool)
        rest = text.notna() & fast.isna()
        if rest.any():
            slow, slow_time = _parse_datetime_parts(text[rest], fmt)
            fast[rest] = slow
            has_time[rest.to_numpy()] = slow_time.to_numpy(dtype=bool)
        return fast, pd.Series(has_time, index=text.index)
    if fmt == 'text':
        uniques = pd.Series(text.dropna().unique(), dtype=object)
        parsed, timed = _parse_datetime_text(uniques)
        lookup = pd.Series(parsed.to_numpy(), index=uniques.to_numpy())
        values = text.map(lookup).astype('datetime64[ns]').rename(text.name)
        has_time = text.map(pd.Series(timed.to_numpy(), index=uniques.to_numpy())).eq(True)
        return values, has_time.astype(bool)
    return _parse_datetime_parts(text, fmt)


def _parse_datetime_text(text: pd.Series):
    """Month names ('Jan 5, 2020'): dateutil, one value at a time, so callers pass distinct values."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        parsed = pd.to_datetime(text, format='mixed', errors='coerce', utc=True)
    parsed = parsed.dt.tz_localize(None).astype('datetime64[ns]')
    has_time = parsed.notna() & (parsed != parsed.dt.normalize())
    return parsed, has_time.astype(bool)


def _parse_datetime_parts(text: pd.Series, fmt: str):
    parts = text.str.extract(DATE_PATTERNS[fmt])
    num = {k: pd.to_numeric(parts[k], errors='coerce') for k in ('y', 'm', 'd', 'H', 'M', 'S')}
    year = num['y']
    year = year.where(year >= 100, np.where(year < 69, year + 2000, year + 1900))
    hour = num['H'].fillna(0)
    ampm = parts['ampm'].str.lower().str[0]
    hour = hour.where(~((ampm == 'p') & (hour < 12)), hour + 12)
    hour = hour.where(~((ampm == 'a') & (hour == 12)), 0)
    frac = pd.to_numeric(('0.' + parts['f']).where(parts['f'].notna(), '0'), errors='coerce').fillna(0)
    frame = pd.DataFrame({
        'year': year, 'month': num['m'], 'day': num['d'].fillna(1), 'hour': hour,
        'minute': num['M'].fillna(0), 'second': num['S'].fillna(0),
        'us': (frac * 1e6).round(),
    })
    ok = frame[['year', 'month']].notna().all(axis=1)
    parsed = pd.Series(pd.NaT, index=text.index, dtype='datetime64[ns]', name=text.name)
    if ok.any():
        parsed[ok] = pd.to_datetime(frame[ok].astype(float), errors='coerce')
    tz = parts['tz'].fillna('')
    offset = tz.str.extract(r'^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$')
    minutes = (pd.to_numeric(offset['h'], errors='coerce') * 60 + pd.to_numeric(offset['m'], errors='coerce'))
    minutes = minutes.where(offset['sign'] != '-', -minutes).fillna(0)
    parsed = parsed - pd.to_timedelta(minutes, unit='m')
    has_time = parts['H'].notna() & parsed.notna()
    return parsed, has_time.astype(bool)


def to_float(series: pd.Series, conversion=None, decimal: str = '.') -> pd.Series:
    """Raw cells (strings, or numbers/bools from JSON) -> floats under a column's conversion."""
    if conversion is None and decimal == '.' and _all_text(series):
        # Plain numbers as text (most columns of most files): one vectorized parse. Taken only
        # when every present cell parses to a finite number; anything else goes the long way.
        fast = pd.to_numeric(series, errors='coerce')
        if fast.notna().sum() == series.notna().sum() and np.isfinite(fast.dropna()).all():
            return fast.astype(float)
    typed = _typed_mask(series)
    if typed.all():
        # Numbers that arrive typed (JSON) are taken as already converted: 0.125 for 12.5%.
        return _plain_numbers(series)
    text = as_text(series.where(~typed, None) if typed.any() else series)
    if conversion == 'currency':
        parsed = parse_currency(text, decimal)[0]
    elif conversion == 'percent':
        parsed = parse_percent(text, decimal)[0]
    elif conversion == 'boolean':
        parsed = parse_boolean(text)
    else:
        parsed = parse_number_text(text, decimal)
    if typed.any():
        parsed = parsed.where(~typed, _plain_numbers(series))
    return parsed.astype(float)


def to_datetime(series: pd.Series, fmt: str) -> pd.Series:
    """Raw cells (strings, Timestamps) -> naive UTC datetimes under a column's date format."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = pd.to_datetime(series, utc=True)
        return values.dt.tz_localize(None)
    if _all_text(series):
        return parse_datetime(as_text(series), fmt or 'iso')[0]
    is_ts = series.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or
                       (hasattr(v, 'isoformat') and not isinstance(v, str)))
    text = as_text(series.where(~is_ts, None))
    parsed = parse_datetime(text, fmt or 'iso')[0]
    if is_ts.any():
        stamps = pd.to_datetime(series[is_ts], utc=True, errors='coerce').dt.tz_localize(None)
        parsed = parsed.astype('datetime64[ns]')
        parsed[is_ts] = stamps.astype('datetime64[ns]')
    return parsed


def is_plain_number_feature(feature: dict) -> bool:
    return feature['meant'] == 'numeric' and feature.get('conversion') is None and (feature.get('decimal') or '.') == '.'


def plain_number_block(df: pd.DataFrame, columns: list, min_columns: int = 50) -> dict:
    """{column: float array} for the plain-number columns whose every present cell is a str that
    pandas.to_numeric reads as a finite number: one parse over all their cells (a wide table
    would otherwise pay per-column pandas calls; below `min_columns` the per-column path is as quick). Columns with any other cell are left out and
    go through to_float one by one, which gives the same floats for these."""
    if len(columns) < min_columns or len(columns) == 0 or len(df) == 0:
        return {}
    block = df[columns].to_numpy(dtype=object)
    if pd.api.types.infer_dtype(block.ravel(), skipna=True) not in ('string', 'empty'):
        return {}
    n = len(df)
    parsed = pd.to_numeric(pd.Series(block.ravel(order='F')), errors='coerce').to_numpy(dtype=float)
    parsed = parsed.reshape((n, len(columns)), order='F')
    present = pd.notna(block)
    ok = ((np.isfinite(parsed) == present) | ~present).all(axis=0) & (np.isnan(parsed) == ~present).all(axis=0)
    return {str(c).strip(): parsed[:, j] for j, c in enumerate(columns) if ok[j]}
