"""Column profiling: the type pandas would read, what the values mean, the cleaning step
that turns them into numbers, and one plain-English finding per notable fact."""

import math
import re

import numpy as np
import pandas as pd

from .convert import (FALSE_TOKENS, PANDAS_BOOL, PANDAS_FLOAT, TRUE_TOKENS, as_text, as_text_columns, as_text_matrix,
                      detect_date_format, detect_decimal, parse_boolean, parse_currency, parse_datetime,
                      parse_number_text, parse_percent)
from .profile_batch import plain_number_infos

DETECT_SAMPLE = 20000
SHARE_TO_CONVERT = 0.95
TEXT_MEAN_LENGTH = 30
# Free text, not a category: several words per value, and most values said only once or twice.
TEXT_MEAN_WORDS = 3
TEXT_UNIQUE_SHARE = 0.5
MISSING_WORTH_SAYING = 0.2
MANY_CATEGORIES = 100

_ID_NAME = re.compile(
    r'^(?:id|uuid|guid|key|index|idx|rowid|row_id|row|rownum|row_number|record_id|unnamed: ?\d+)$'
    r'|(?:^|[_\s.\-])(?:id|uuid|guid|key|no|nr|num|number)$'
    r'|^id[_\s.\-]',
    re.IGNORECASE,
)
_CAMEL_ID = re.compile(r'[a-z](?:Id|ID)$')
# Steady integer sequences with these names are time indexes (1950, 1951, ...), not row ids.
_TIME_NAME = re.compile(r'(?:^|[_\s.\-])(?:year|yr|month|week|day|date|time|period|quarter|hour|t)s?$', re.IGNORECASE)


def looks_like_id_name(name: str) -> bool:
    return bool(_ID_NAME.search(name.strip()) or _CAMEL_ID.search(name.strip()))


def _sample(values: pd.Series) -> pd.Series:
    return values.sample(n=DETECT_SAMPLE, random_state=0) if len(values) > DETECT_SAMPLE else values


def _stored_type(raw: pd.Series) -> str:
    """The dtype pandas.read_csv would give the column (missing tokens make ints float)."""
    present = raw.dropna()
    if present.empty:
        return 'empty'
    has_missing = len(present) < len(raw)
    if not has_missing and present.isin(PANDAS_BOOL).all():
        return 'boolean'
    numbers = pd.to_numeric(present, errors='coerce')
    if numbers.notna().all():
        return 'integer' if pd.api.types.is_integer_dtype(numbers) and not has_missing else 'float'
    return 'string'


def _detect_conversion(sample: pd.Series, delimiter: str):
    """(meant, conversion, options) for a string column from a sample of its stripped values."""
    lowered = sample.str.lower()
    if lowered.isin(TRUE_TOKENS | FALSE_TOKENS).all():
        return 'boolean', 'boolean', {}
    need = SHARE_TO_CONVERT * len(sample)
    decimal = detect_decimal(sample, delimiter)
    if parse_number_text(sample, decimal).notna().sum() >= need:
        return 'numeric', 'numeric_text', {'decimal': decimal}
    values, has_pct = parse_percent(sample, decimal)
    if values.notna().sum() >= need and has_pct.sum() >= 0.5 * len(sample):
        return 'numeric', 'percent', {'decimal': decimal}
    values, has_symbol = parse_currency(sample, decimal)
    if values.notna().sum() >= need and has_symbol.any():
        return 'numeric', 'currency', {'decimal': decimal}
    fmt = detect_date_format(sample)
    if fmt is not None and parse_datetime(sample, fmt)[0].notna().sum() >= need:
        return 'datetime', 'datetime', {'format': fmt}
    return 'categorical', None, {}


def parse_options(raw: pd.Series, conversion, delimiter: str) -> dict:
    """The decimal mark or date format a conversion needs, detected the way the profile did."""
    if conversion not in ('numeric_text', 'percent', 'currency', 'datetime'):
        return {}  # nothing to detect: skip the text pass, which wide tables pay per column
    text = as_text(raw).dropna()
    if conversion in ('numeric_text', 'percent', 'currency'):
        return {'decimal': detect_decimal(_sample(text), delimiter)}
    if conversion == 'datetime':
        return {'format': detect_date_format(_sample(text)) or 'iso'}
    return {}


def convert_values(text: pd.Series, conversion, options: dict):
    """Stripped text -> floats (or datetimes for 'datetime'), NaN where a value does not parse."""
    decimal = options.get('decimal', '.')
    if conversion == 'numeric_text':
        return parse_number_text(text, decimal)
    if conversion == 'percent':
        return parse_percent(text, decimal)[0]
    if conversion == 'currency':
        return parse_currency(text, decimal)[0]
    if conversion == 'boolean':
        return parse_boolean(text)
    if conversion == 'datetime':
        return parse_datetime(text, options.get('format') or 'iso')[0]
    return pd.to_numeric(text, errors='coerce').astype(float)


def _is_sequence(values: np.ndarray) -> bool:
    diffs = np.diff(values)
    if not (np.all(diffs > 0) or np.all(diffs < 0)):
        return False
    steps, counts = np.unique(np.abs(diffs), return_counts=True)
    return counts.max() >= 0.9 * len(diffs)


def _finite(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _quote(value: str, limit: int = 40) -> str:
    value = value if len(value) <= limit else value[:limit - 1] + '…'
    return "'" + value.replace("'", "\u2019") + "'"


def analyze_column(raw: pd.Series, name: str, delimiter: str = ',', text=None) -> dict:
    """The profile entry for one column, plus private keys (leading '_') for findings.
    `text` is as_text(raw) when the caller already has it."""
    n_rows = len(raw)
    text = as_text(raw) if text is None else text
    present = text.dropna()
    n_present = len(present)
    samples = [s if len(s) <= 80 else s[:79] + '…' for s in present.drop_duplicates().head(5).tolist()]
    info = {
        'name': name, 'stored': _stored_type(raw), 'meant': 'categorical', 'conversion': None,
        'missingShare': (n_rows - n_present) / n_rows if n_rows else 0.0,
        'unique': int(present.nunique()), 'samples': samples,
        'min': None, 'max': None, 'mean': None,
        '_options': {}, '_unparsed': 0, '_unparsed_example': None, '_id_reason': None,
        '_mean_length': float(present.str.len().mean()) if n_present else 0.0, '_time': False,
        '_mean_words': 0.0,
    }
    if n_present == 0:
        info['meant'] = 'empty'
        return info

    if info['stored'] in ('integer', 'float'):
        meant, conversion, options = 'numeric', None, {}
    elif info['stored'] == 'boolean':
        meant, conversion, options = 'boolean', 'boolean', {}
    else:
        meant, conversion, options = _detect_conversion(_sample(present), delimiter)
    info.update(meant=meant, conversion=conversion, _options=options)

    values = None
    if meant in ('numeric', 'boolean', 'datetime'):
        values = convert_values(present, conversion, options)
        bad = values.isna()
        info['_unparsed'] = int(bad.sum())
        if bad.any():
            info['_unparsed_example'] = present[bad].iloc[0]
        valid = values.dropna()
        if meant == 'datetime':
            info['_time'] = bool(parse_datetime(present, options['format'])[1].any())
            info['unique'] = int(valid.nunique())
        else:
            info['unique'] = int(valid.nunique())
            if not valid.empty:
                info.update(min=_finite(valid.min()), max=_finite(valid.max()),
                            mean=_finite(valid[np.isfinite(valid)].mean()))

    if info['unique'] == 1:
        info['meant'] = 'constant'
        return info

    all_present_unique = n_present == n_rows and info['unique'] == n_rows and n_rows >= 2
    if meant == 'numeric' and values is not None and all_present_unique:
        v = values.to_numpy(dtype=float)
        if np.all(np.isfinite(v)) and np.all(v == np.round(v)):
            if looks_like_id_name(name):
                info.update(meant='id', _id_reason='name')
            elif n_rows >= 20 and _is_sequence(v) and not _TIME_NAME.search(name.strip()):
                info.update(meant='id', _id_reason='sequence')
    elif meant == 'categorical':
        high_cardinality = info['unique'] > TEXT_UNIQUE_SHARE * n_present
        if high_cardinality:  # words per value only matter for many-valued columns: skip the rest
            info['_mean_words'] = float(_sample(present).str.split().str.len().mean())
        if all_present_unique and looks_like_id_name(name):
            info.update(meant='id', _id_reason='name')
        elif high_cardinality and (info['_mean_words'] >= TEXT_MEAN_WORDS or info['_mean_length'] > TEXT_MEAN_LENGTH):
            info['meant'] = 'text'
        elif all_present_unique and n_rows >= 20:
            info.update(meant='id', _id_reason='unique')
    return info


def column_findings(info: dict) -> list:
    name, meant, conversion = info['name'], info['meant'], info['conversion']
    q = _quote(name, 60)
    out = []
    example = next((s for s in info['samples']), '')
    if meant == 'empty':
        return [f'Column {q} is empty in every row; dropping it.']
    if meant == 'constant':
        if info['missingShare'] > 0:
            return [f"Column {q} has a single value ({_quote(example)}) and is blank in "
                    f"{max(1, round(100 * info['missingShare']))}% of rows; dropping it."]
        return [f'Column {q} has the same value ({_quote(example)}) in every row; dropping it.']
    if meant == 'id':
        if info['_id_reason'] == 'unique':
            out.append(f'Column {q} has a different value in every row; it looks like an identifier '
                       'and will not be used as a feature.')
        else:
            out.append(f'Column {q} looks like a row identifier; it will not be used as a feature.')
        return out
    if meant == 'text':
        return [f"Column {q} holds free text (about {round(info['_mean_words'])} words, "
                f"{round(info['_mean_length'])} characters per value); its words and word pairs become "
                'TF-IDF features, learned inside each cross-validation fold.']

    unparsed = ''
    if info['_unparsed']:
        n = info['_unparsed']
        unparsed = (f" {n} value{'s' if n > 1 else ''} such as {_quote(str(info['_unparsed_example']))} "
                    f"cannot be read and {'count' if n > 1 else 'counts'} as missing.")
    decimal = info['_options'].get('decimal')
    if conversion == 'currency':
        example = next((s for s in info['samples'] if re.search(r'[^\d.,\s+-]', s)), example)
        out.append(f'Column {q} holds currency strings like {_quote(example)}; converting to numbers.{unparsed}')
    elif conversion == 'percent':
        example = next((s for s in info['samples'] if '%' in s), example)
        out.append(f'Column {q} holds percentages like {_quote(example)}; converting to fractions '
                   f'(50% becomes 0.5).{unparsed}')
    elif conversion == 'numeric_text':
        odd = next((s for s in info['samples'] if not PANDAS_FLOAT.fullmatch(s)), None)
        like = f' like {_quote(odd)}' if odd else ' (with blank cells mixed in)'
        comma = ' with a decimal comma' if decimal == ',' else ''
        out.append(f'Column {q} holds numbers stored as text{like}{comma}; converting to numbers.{unparsed}')
    elif conversion == 'datetime':
        parts = 'year, month, day, weekday' + (', hour' if info['_time'] else '') + ' and day-count'
        out.append(f'Column {q} holds dates like {_quote(example)}; expanding it into {parts} features.{unparsed}')
    elif conversion == 'boolean' and info['stored'] != 'boolean':
        out.append(f'Column {q} holds yes/no values like {_quote(example)}; converting to 1/0.{unparsed}')
    elif unparsed:
        out.append(f'Column {q}:{unparsed}')
    if meant == 'categorical' and info['unique'] > MANY_CATEGORIES:
        out.append(f"Column {q} has {info['unique']} distinct values (a high-cardinality category).")
    if info['missingShare'] >= MISSING_WORTH_SAYING:
        out.append(f"Column {q} is missing in {round(100 * info['missingShare'])}% of rows.")
    return out


def duplicate_column_pairs(texts: dict) -> list:
    """Pairs [first, later] of columns whose cleaned values are identical row by row."""
    groups = {}
    names = list(texts)
    if names:
        # One hash over all cells (column-major), then one digest per column: no per-column pandas call.
        n = len(texts[names[0]])
        cells = pd.Series(np.concatenate([texts[c].to_numpy(dtype=object) for c in names]) if n else [], dtype=object)
        hashed = pd.util.hash_pandas_object(cells, index=False).to_numpy() if n else np.zeros(0, dtype=np.uint64)
        for i, name in enumerate(names):
            groups.setdefault(hash(hashed[i * n:(i + 1) * n].tobytes()), []).append(name)
    pairs = []
    for names in groups.values():
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if texts[a].equals(texts[b]):
                    pairs.append([a, b])
    return pairs


def profile_table(df: pd.DataFrame, file_info: dict, read_findings=()) -> dict:
    delimiter = file_info.get('delimiter', ',')
    # Plain-number columns are profiled all at once (profile_batch); the rest one by one.
    matrix = as_text_matrix(df) if len(df) and len(df.columns) >= 50 else None
    batch = plain_number_infos(df, matrix) if matrix is not None else {}
    texts = as_text_columns(df, matrix)
    infos = [batch[i] if i in batch else analyze_column(df[c], c, delimiter, texts[c]) for i, c in enumerate(df.columns)]
    findings = list(read_findings)
    duplicate_rows = int(df.duplicated().sum()) if len(df.columns) else 0
    if duplicate_rows:
        share = duplicate_rows / len(df)
        shown = f'{share:.0%}' if share >= 0.01 else f'{share:.1%}'
        findings.append(f'{duplicate_rows} row{"s" if duplicate_rows > 1 else ""} ({shown}) '
                        f'{"are exact copies" if duplicate_rows > 1 else "is an exact copy"} of earlier rows.')
    pairs = duplicate_column_pairs({i['name']: texts[i['name']] for i in infos if i['meant'] != 'empty'})
    for a, b in pairs:
        findings.append(f'Columns {_quote(a, 60)} and {_quote(b, 60)} hold identical values; '
                        f'{_quote(b, 60)} adds nothing.')
    for info in infos:
        findings += column_findings(info)
    columns = [{k: v for k, v in info.items() if not k.startswith('_')} for info in infos]
    return {
        'file': file_info,
        'rows': int(len(df)),
        'columns': columns,
        'duplicateRows': duplicate_rows,
        'duplicateColumns': pairs,
        'findings': findings,
    }
