"""The cleaner: raw cells (the strings of the uploaded file, or typed values from a JSON
request) -> float and object columns a scikit-learn model can take. Built from the feature
list in schema.json; pickled inside every saved model so serving cleans exactly as training
did."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .convert import as_text, is_plain_number_feature, plain_number_block, to_datetime, to_float
from .errors import MissingColumnError

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
