"""`synth-export`: the chosen synthetic table in the user's format (CSV, Parquet or Excel, as
they uploaded), with dates written as dates and whole numbers as whole numbers, and one chart of
real against synthetic for the main columns."""

import os

import numpy as np
import pandas as pd

from ..jsonfile import read_json, write_json
from ..tables import read_parquet
from .frame import modelled

EPOCH = pd.Timestamp('1970-01-01')


def presentable(df: pd.DataFrame, meta: dict) -> pd.DataFrame:
    out = {}
    for c in meta['columns']:
        name = c['name']
        if name not in df.columns:
            continue
        s = df[name]
        if c['kind'] == 'date':
            stamps = EPOCH + pd.to_timedelta(pd.to_numeric(s, errors='coerce'), unit='D')
            out[name] = stamps.dt.strftime('%Y-%m-%d %H:%M:%S' if c.get('time') else '%Y-%m-%d').where(stamps.notna(), None)
        elif c['kind'] in ('number', 'key') and c.get('integer'):
            out[name] = pd.to_numeric(s, errors='coerce').round().astype('Int64')
        else:
            out[name] = s
    return pd.DataFrame(out)


def draw(real: pd.DataFrame, syn: pd.DataFrame, meta: dict, path: str, most: int = 6) -> list:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    kinds = {c['name']: c['kind'] for c in meta['columns']}
    names = modelled(meta)
    names = ([meta['target']] if meta['target'] in names else []) + [n for n in names if n != meta['target']]
    names = names[:most]
    cols = 3
    rows = max(1, (len(names) + cols - 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        if kinds[name] == 'category':
            p = real[name].astype(str).value_counts(normalize=True).head(10)
            q = syn[name].astype(str).value_counts(normalize=True).reindex(p.index, fill_value=0)
            x = np.arange(len(p))
            ax.bar(x - 0.2, p.to_numpy(), 0.4, label='real')
            ax.bar(x + 0.2, q.to_numpy(), 0.4, label='synthetic')
            ax.set_xticks(x, [str(i)[:12] for i in p.index], rotation=30, fontsize=7)
        else:
            a, b = real[name].dropna().astype(float), syn[name].dropna().astype(float)
            bins = np.histogram_bin_edges(np.r_[a, b], bins=30) if len(a) + len(b) else 10
            ax.hist(a, bins=bins, alpha=0.5, density=True, label='real')
            ax.hist(b, bins=bins, alpha=0.5, density=True, label='synthetic')
        ax.set_title(name[:40], fontsize=9)
    for ax in list(axes.flat)[len(names):]:
        ax.axis('off')
    axes.flat[0].legend(fontsize=7)
    fig.suptitle('Real (training rows) vs synthetic', fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return names


def export(clean: str, real_path: str, meta_path: str, fmt: str, out: str, chart: str, summary: str) -> dict:
    meta = read_json(meta_path)
    syn = read_parquet(clean)
    real = read_parquet(real_path)
    table = presentable(syn, meta)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if fmt == 'parquet':
        table.to_parquet(out, index=False)
    elif fmt == 'xlsx':
        table.to_excel(out, index=False, sheet_name='synthetic')
    else:
        table.to_csv(out, index=False)
    charted = draw(real, syn, meta, chart)
    result = {'rows': int(len(table)), 'columns': list(table.columns), 'charted': charted}
    write_json(summary, result)
    return result
