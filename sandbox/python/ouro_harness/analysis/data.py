"""The run's table for an analysis: cleaned by the profile's reading of each column, sampled
while it is read (a seeded share of each Parquet batch), so a large file never sits in memory
whole."""

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..convert import as_text, to_datetime, to_float
from ..jsonfile import read_json
from ..profile import parse_options

# Columns that are not analysed, and why (the profile's reading of them).
SKIPPED = {'id': 'a row identifier', 'constant': 'the same in every row', 'empty': 'empty', 'text': 'free text'}
POSITIVE = ('yes', 'y', 'true', '1', 'pos', 'positive', 'churn', 'churned', 'left', 'default', 'defaulted',
            'fraud', 'spam', 'bad', 'fail', 'failed', 'success', 'won', 'win', 'died', 'dead', 'sick', 'malignant')


@dataclass
class Data:
    df: pd.DataFrame
    kinds: dict  # column -> 'numeric' | 'categorical' | 'datetime'
    rows_total: int
    skipped: dict = field(default_factory=dict)  # column -> why it is left out
    seed: int = 42
    labels: dict = field(default_factory=dict)  # yes/no column -> the raw value read as true

    @property
    def rows_used(self) -> int:
        return len(self.df)

    @property
    def sampled(self) -> bool:
        return self.rows_used < self.rows_total

    def drop(self, columns) -> None:
        """Leaves columns out of every analysis (a diagnosis names them)."""
        for c in columns:
            if c in self.kinds:
                del self.kinds[c]
                self.skipped[c] = 'left out after a diagnosis'
        self.df = self.df[[c for c in self.df.columns if c in self.kinds]]

    def columns(self, kind=None, exclude=()):
        return [c for c, k in self.kinds.items() if (kind is None or k == kind) and c not in exclude]

    def target(self, name: str):
        """(values, kind, positive class): a yes/no column becomes 0/1 with the positive class named."""
        if name not in self.kinds:
            known = ', '.join(list(self.kinds)[:20])
            raise KeyError(f'no column {name!r} to analyse; the columns are {known}')
        s = self.df[name]
        if self.kinds[name] == 'numeric':
            values = s.dropna().unique()
            if len(values) == 2 and set(np.round(values, 9)) <= {0.0, 1.0}:
                return s, 'binary', self.labels.get(name, '1')
            return s, 'numeric', None
        if self.kinds[name] == 'datetime':
            return (s - pd.Timestamp('1970-01-01')) / pd.Timedelta(days=1), 'numeric', None
        levels = s.dropna().value_counts()
        if len(levels) == 2:
            named = [v for v in levels.index if str(v).strip().lower() in POSITIVE]
            positive = named[0] if len(named) == 1 else levels.index[-1]  # else the rarer class
            return s.map(lambda v: np.nan if pd.isna(v) else float(v == positive)), 'binary', str(positive)
        return s, 'multiclass', None


def _paths():
    table = os.environ.get('OURO_TABLE') or os.path.join('..', '..', 'prep', 'table.parquet')
    profile = os.environ.get('OURO_PROFILE') or os.path.join(os.path.dirname(table), 'profile.json')
    return table, profile


def _read_sampled(path: str, max_rows: int, seed: int) -> tuple:
    f = pq.ParquetFile(path)
    total = f.metadata.num_rows
    if total <= max_rows:
        return f.read().to_pandas(), total
    rng = np.random.default_rng(seed)
    share = max_rows / total
    parts = []
    for batch in f.iter_batches(batch_size=65_536):
        keep = rng.random(batch.num_rows) < share
        if keep.any():
            parts.append(batch.to_pandas()[keep])
    return pd.concat(parts, ignore_index=True), total


def load_data(max_rows: int = 100_000, seed: int = 42, table: str = None, profile: str = None) -> Data:
    """The table as floats (numbers, yes/no), strings (categories) and datetimes, at most
    `max_rows` rows (a seeded sample; `Data.sampled` says so)."""
    default_table, default_profile = _paths()
    raw, total = _read_sampled(table or default_table, max_rows, seed)
    prof = read_json(profile or default_profile)
    delimiter = prof.get('file', {}).get('delimiter', ',')
    out, kinds, skipped, labels = {}, {}, {}, {}
    for info in prof['columns']:
        name = info['name']
        if name not in raw.columns:
            continue
        meant = info['meant']
        if meant in SKIPPED:
            skipped[name] = SKIPPED[meant]
            continue
        column = raw[name]
        options = parse_options(column, info.get('conversion'), delimiter)
        if meant in ('numeric', 'boolean'):
            out[name] = to_float(column, 'boolean' if meant == 'boolean' else info.get('conversion'), options.get('decimal') or '.')
            kinds[name] = 'numeric'
            if meant == 'boolean':  # say "churn = yes", not "churn = 1"
                truthy = as_text(column)[out[name] == 1].dropna()
                if not truthy.empty:
                    labels[name] = str(truthy.mode().iloc[0])
        elif meant == 'datetime':
            out[name] = to_datetime(column, options.get('format') or 'iso')
            kinds[name] = 'datetime'
        else:
            out[name] = as_text(column)
            kinds[name] = 'categorical'
    return Data(pd.DataFrame(out), kinds, int(total), skipped, seed, labels)
