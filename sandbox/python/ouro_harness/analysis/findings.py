"""findings.json and the charts of one analysis: every claim carries the numbers its sentence
shows (the host's number checker matches report text against them), its n, effect size,
interval and method; every chart is a PNG with the CSV table it was drawn from beside it."""

import math
import os
import re

import numpy as np
import pandas as pd

from ..jsonfile import plain, write_json

MAX_BARS = 15


def fmt(x) -> str:
    """A number as report text: 1,234 / 12.3 / 1.23 / 0.123 / 0.0012."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return 'n/a'
    x = float(x)
    a = abs(x)
    if a >= 100:
        return f'{x:,.0f}'
    if a >= 10:
        return f'{x:.1f}'
    if a >= 1 or a == 0:
        return f'{x:.2f}'
    if a >= 0.01:
        return f'{x:.3f}'
    return f'{x:.2g}'


def pct(x) -> str:
    """A share as a percentage with one decimal: 0.2345 -> 23.5%."""
    return 'n/a' if x is None or not math.isfinite(float(x)) else f'{100 * float(x):.1f}%'


def _slug(text: str) -> str:
    return re.sub(r'[^a-z0-9]+', '-', str(text).lower()).strip('-')[:50] or 'chart'


class Findings:
    def __init__(self, analysis: str, title: str, out_dir: str = '.'):
        self.analysis = analysis
        self.title = title
        self.out_dir = out_dir
        self.claims, self.charts, self.caveats, self.extra = [], [], [], {}
        self.rows = None

    def data(self, data) -> None:
        """Records how many rows the analysis saw (and says so when it sampled)."""
        self.rows = {'total': data.rows_total, 'used': data.rows_used, 'sampled': data.sampled}

    def claim(self, kind: str, text: str, values: dict, *, subject=None, n=None, effect=None, interval=None,
              p=None, q=None, method: str = '', chart=None) -> str:
        """One finding. `values` holds every number the sentence shows, unrounded."""
        cid = f'{self.analysis}.c{len(self.claims) + 1}'
        self.claims.append({
            'id': cid, 'kind': kind, 'text': text, 'subject': subject,
            'values': {k: float(v) for k, v in values.items() if v is not None and math.isfinite(float(v))},
            'n': None if n is None else int(n),
            'effect': None if effect is None else {'name': effect[0], 'value': float(effect[1])},
            'interval': None if interval is None else {'lo': float(interval[0]), 'hi': float(interval[1]), 'level': 0.95},
            'p': None if p is None else float(p), 'q': None if q is None else float(q),
            'method': method, 'chart': chart,
        })
        return cid

    def caveat(self, kind: str, text: str, values: dict = None, subject=None) -> None:
        self.caveats.append({'kind': kind, 'text': text, 'subject': subject,
                             'values': {k: float(v) for k, v in (values or {}).items() if v is not None and math.isfinite(float(v))}})

    def _save(self, name: str, table: pd.DataFrame, title: str, fig) -> str:
        os.makedirs(os.path.join(self.out_dir, 'charts'), exist_ok=True)
        slug = f'{self.analysis}-{_slug(name)}'
        png, csv = f'charts/{slug}.png', f'charts/{slug}.csv'
        fig.savefig(os.path.join(self.out_dir, png), dpi=110, bbox_inches='tight')
        import matplotlib.pyplot as plt
        plt.close(fig)
        table.to_csv(os.path.join(self.out_dir, csv), index=False)
        self.charts.append({'file': png, 'table': csv, 'title': title})
        return png

    def bars(self, name: str, table: pd.DataFrame, label: str, value: str, title: str, xlabel: str,
             lo: str = None, hi: str = None, reference: float = None, percent: bool = False) -> str:
        """Horizontal bars, largest first, at most MAX_BARS, with intervals when given."""
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        shown = table.head(MAX_BARS).iloc[::-1]
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(shown) + 1.4))
        scale = 100 if percent else 1
        vals = shown[value].to_numpy(dtype=float) * scale
        err = None
        if lo is not None and hi is not None:
            err = np.vstack([vals - shown[lo].to_numpy(dtype=float) * scale, shown[hi].to_numpy(dtype=float) * scale - vals])
            err = np.clip(np.nan_to_num(err), 0, None)
        ax.barh([str(v)[:40] for v in shown[label]], vals, xerr=err, color='#4C78A8', ecolor='#555', capsize=2)
        if reference is not None:
            ax.axvline(reference * scale, color='#E45756', linestyle='--', linewidth=1, label='overall')
            ax.legend(loc='lower right', fontsize=8)
        ax.set_xlabel(xlabel + (' (%)' if percent else ''))
        ax.set_title(title, fontsize=11)
        ax.spines[['top', 'right']].set_visible(False)
        return self._save(name, table, title, fig)

    def line(self, name: str, table: pd.DataFrame, x: str, y: str, title: str, xlabel: str, ylabel: str,
             lo: str = None, hi: str = None, group: str = None, percent: bool = False) -> str:
        """A line per group (at most 8), with a shaded interval when given."""
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 3.6))
        scale = 100 if percent else 1
        groups = [(None, table)] if group is None else list(table.groupby(group, sort=False))[:8]
        for key, part in groups:
            xs = part[x]
            ax.plot(xs, part[y] * scale, marker='o' if len(part) <= 30 else None, markersize=3, label=None if key is None else str(key)[:30])
            if lo is not None and hi is not None:
                ax.fill_between(xs, part[lo] * scale, part[hi] * scale, alpha=0.2)
        if group is not None:
            ax.legend(fontsize=8, loc='upper center', bbox_to_anchor=(0.5, -0.18), ncol=4, frameon=False)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel + (' (%)' if percent else ''))
        ax.set_title(title, fontsize=11)
        ax.spines[['top', 'right']].set_visible(False)
        fig.autofmt_xdate() if np.issubdtype(np.asarray(table[x]).dtype, np.datetime64) else None
        return self._save(name, table, title, fig)

    def histogram(self, name: str, values: pd.Series, title: str, xlabel: str) -> str:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        v = values.dropna().to_numpy(dtype=float)
        counts, edges = np.histogram(v, bins=min(30, max(5, int(np.sqrt(len(v))))))
        table = pd.DataFrame({'from': edges[:-1], 'to': edges[1:], 'rows': counts})
        fig, ax = plt.subplots(figsize=(6, 3.2))
        ax.bar(edges[:-1], counts, width=np.diff(edges), align='edge', color='#4C78A8', edgecolor='white')
        ax.set_xlabel(xlabel)
        ax.set_ylabel('rows')
        ax.set_title(title, fontsize=11)
        ax.spines[['top', 'right']].set_visible(False)
        return self._save(name, table, title, fig)

    def write(self, path: str = 'findings.json') -> None:
        write_json(os.path.join(self.out_dir, path), plain({
            'analysis': self.analysis, 'title': self.title, 'rows': self.rows, 'claims': self.claims,
            'charts': self.charts, 'caveats': self.caveats, **self.extra,
        }))
