"""The cleaner: raw cells (the strings of the uploaded file, or typed values from a JSON
request) -> float and object columns a scikit-learn model can take. Built from the feature
list in schema.json; pickled inside every saved model so serving cleans exactly as training
did."""

import numbers
import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .convert import (
    FALSE_TOKENS, MISSING_TOKENS, TRUE_TOKENS, _scalar_text, as_text, is_plain_number_feature,
    plain_number_block, to_datetime, to_float,
)
from .errors import MissingColumnError

# A number as pd.to_numeric reads it (no thousands marks, no inf); longer integers are left to
# the column-wide parse, whose int64-then-float rounding a cell-by-cell parse could differ from.
_PLAIN_NUMBER = re.compile(r'[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?')
_BOOLEAN_TEXT = {**{t: 1.0 for t in TRUE_TOKENS | {'1', '1.0'}}, **{t: 0.0 for t in FALSE_TOKENS | {'0', '0.0'}}}

DATE_PARTS = ('year', 'month', 'day', 'dayofweek', 'hour', 'epoch_days')
EPOCH = pd.Timestamp('1970-01-01')


def as_frame(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, dict):
        if all(isinstance(v, (list, tuple, np.ndarray, pd.Series)) for v in data.values()):
            return pd.DataFrame(data)
        return pd.DataFrame([data])
    return pd.DataFrame(list(data))


def output_names(feature: dict) -> list:
    name = feature['name']
    if feature['meant'] != 'datetime':
        return [name]
    return [f'{name}__{part}' for part in DATE_PARTS if part != 'hour' or feature.get('time')]


class Cleaner(TransformerMixin, BaseEstimator):
    """`features`: schema.json entries {name, meant, conversion, categories, decimal?, format?, time?}.

    numeric/boolean -> float; datetime -> <name>__year, __month, __day, __dayofweek, [__hour],
    __epoch_days floats; categorical -> object str with NaN for missing. Extra input columns
    are ignored; a missing one raises MissingColumnError (a KeyError) naming it."""

    def __init__(self, features=()):
        self.features = features

    def fit(self, X=None, y=None):
        return self

    @property
    def input_names(self) -> list:
        return [f['name'] for f in self.features]

    def get_feature_names_out(self, input_features=None):
        return np.array([n for f in self.features for n in output_names(f)], dtype=object)

    def transform(self, X) -> pd.DataFrame:
        df = as_frame(X)
        lookup = {str(c).strip(): c for c in df.columns}
        for feature in self.features:
            if feature['name'] not in lookup:
                raise MissingColumnError(feature['name'], list(lookup))
        plain = plain_number_block(df, [lookup[f['name']] for f in self.features if is_plain_number_feature(f)])
        out = {}
        for feature in self.features:
            name = feature['name']
            if name in plain:
                out[name] = plain[name]
                continue
            column = df[lookup[name]]
            meant = feature['meant']
            if meant == 'numeric':
                out[name] = to_float(column, feature.get('conversion'), feature.get('decimal') or '.')
            elif meant == 'boolean':
                out[name] = to_float(column, 'boolean')
            elif meant == 'datetime':
                out.update(self._date_parts(feature, column))
            else:
                out[name] = as_text(column)
        return pd.DataFrame(out, index=df.index)

    @staticmethod
    def _date_parts(feature: dict, column: pd.Series) -> dict:
        stamps = to_datetime(column, feature.get('format') or 'iso')
        parts = {
            'year': stamps.dt.year, 'month': stamps.dt.month, 'day': stamps.dt.day,
            'dayofweek': stamps.dt.dayofweek, 'hour': stamps.dt.hour,
            'epoch_days': (stamps - EPOCH) / pd.Timedelta(days=1),
        }
        name = feature['name']
        return {f'{name}__{part}': parts[part].astype(float)
                for part in DATE_PARTS if part != 'hour' or feature.get('time')}

    def transform_records(self, records: list) -> pd.DataFrame:
        """transform() for the prediction server's few rows (a list of dicts, keys exactly the
        input names): cell by cell in plain Python instead of a dozen pandas calls per column,
        which dominated a single-row request (docs/benchmarks.md, Serving). Any column holding
        a cell the shortcut does not cover (dates, currency, thousands marks, an odd type) goes
        through transform() itself, so the output is the same either way."""
        out, slow = {}, []
        for feature in self.features:
            values = [r.get(feature['name']) for r in records]
            meant = feature['meant']
            if meant == 'categorical':
                out[feature['name']] = np.array([_scalar_text(v) for v in values], dtype=object)
                continue
            column = _quick_floats(values, feature) if meant in ('numeric', 'boolean') else None
            if column is None:
                slow.append(feature)
                out[feature['name']] = None
            else:
                out[feature['name']] = column
        if slow:
            frame = pd.DataFrame.from_records(records, columns=[f['name'] for f in slow]) if records \
                else pd.DataFrame({f['name']: [] for f in slow})
            done = Cleaner(slow).transform(frame)
            for feature in slow:
                del out[feature['name']]
                for name in output_names(feature):
                    out[name] = done[name].to_numpy()
        names = [n for f in self.features for n in output_names(f)]
        return pd.DataFrame({n: out[n] for n in names}, index=pd.RangeIndex(len(records)))


def _quick_floats(values: list, feature: dict):
    """A numeric or boolean column's floats, or None when some cell needs the full parser."""
    boolean = feature['meant'] == 'boolean'
    if not boolean and (feature.get('conversion') not in (None, 'numeric_text') or (feature.get('decimal') or '.') != '.'):
        # Typed numbers only: text under a conversion ('12' in a percent column is 0.12) is the parser's.
        if any(isinstance(v, str) for v in values):
            return None
    out = np.empty(len(values), dtype=float)
    text_at, texts = [], []
    for i, v in enumerate(values):
        if v is None:
            out[i] = np.nan
        elif isinstance(v, str):
            t = v.strip()
            if t in MISSING_TOKENS:
                out[i] = np.nan
            elif boolean:
                out[i] = _BOOLEAN_TEXT.get(t.lower(), np.nan)
            elif _PLAIN_NUMBER.fullmatch(t) and (len(t) <= 15 or '.' in t or 'e' in t or 'E' in t):
                text_at.append(i)
                texts.append(t)
            else:
                return None
        elif isinstance(v, (numbers.Real, np.bool_)):
            out[i] = float(v)
        else:
            return None
    if texts:
        # pandas' own parser, as training used: Python's float() rounds some long decimals differently.
        parsed = pd.to_numeric(np.array(texts, dtype=object), errors='coerce').astype(float)
        if not np.isfinite(parsed).all():
            return None
        out[text_at] = parsed
    return out
