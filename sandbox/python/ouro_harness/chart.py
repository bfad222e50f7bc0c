"""A chart of a saved model for the chat thread: which input columns it leans on.

    python -m ouro_harness.chart --model DIR --out DIR [--title TEXT] [--top N]

Reads the fitted estimator (no data needed): split-gain importances for tree models, absolute
coefficients for linear ones, the mean over the members of an ensemble. One-hot and indicator
columns are summed back onto the input column they came from. Writes into --out:
  chart.png    horizontal bars, the top N columns
  chart.json   {"kind": "importance", "measure": str, "columns": [[name, share], ...]}
Exits 4 with one line on stderr when the model offers no importances (nothing is written).
"""

import argparse
import os
import sys

import numpy as np

from .jsonfile import write_json
from .predict import load_model

NO_CHART_EXIT_CODE = 4


def _unwrap(estimator):
    """The fitted model under wrappers (LabelEncoded keeps its fitted copy in estimator_)."""
    # Only LabelEncoded: a forest's own `estimator_` is its unfitted template tree.
    if hasattr(estimator, 'encoder_') and hasattr(estimator, 'estimator_'):
        return estimator.estimator_
    return estimator


def _raw_importance(final):
    final = _unwrap(final)
    values = getattr(final, 'feature_importances_', None)
    if values is not None:
        return np.asarray(values, dtype=float), 'tree importance'
    coef = getattr(final, 'coef_', None)
    if coef is not None:
        coef = np.abs(np.asarray(coef, dtype=float))
        return (coef.mean(axis=0) if coef.ndim == 2 else coef), '|coefficient| on scaled inputs'
    return None, None


def _owner(name: str, columns):
    """The input column a transformed feature came from (`cat__city_Paris` -> `city`)."""
    rest = name.split('__', 1)[1] if '__' in name else name
    best = None
    for c in columns:
        if rest == c or rest.startswith(c + '_') or rest.startswith('missingindicator_' + c):
            if best is None or len(c) > len(best):
                best = c
    return best or rest


def _pipeline_importance(pipe, columns):
    """{input column: share} for one fitted pipeline (preprocess steps, then a model)."""
    steps = getattr(pipe, 'steps', None)
    if steps is None:
        values, measure = _raw_importance(pipe)
        names = list(getattr(pipe, 'feature_names_in_', columns))
    else:
        values, measure = _raw_importance(steps[-1][1])
        names = None
        if values is not None and len(steps) > 1:
            try:
                from sklearn.pipeline import Pipeline
                names = list(Pipeline(steps[:-1]).get_feature_names_out())
            except Exception:  # noqa: BLE001 - a transformer without names: fall back below
                names = None
        if names is None:
            names = list(columns)
    if values is None or len(values) != len(names) or not np.isfinite(values).all() or values.sum() <= 0:
        return None, None
    shares = {}
    for name, v in zip(names, values):
        owner = _owner(str(name), columns)
        shares[owner] = shares.get(owner, 0.0) + float(v)
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}, measure


def importance(model):
    """([(column, share)], measure) sorted by share, or (None, None)."""
    estimator = model.estimator
    columns = list(model.signature.get('columns') or [i['name'] for i in model.signature['inputs']])
    if type(estimator).__name__.startswith('Voting'):
        parts = [_pipeline_importance(m, columns) for m in getattr(estimator, 'estimators_', [])]
        parts = [p for p in parts if p[0] is not None]
        if not parts:
            return None, None
        merged = {}
        for shares, _ in parts:
            for k, v in shares.items():
                merged[k] = merged.get(k, 0.0) + v / len(parts)
        shares, measure = merged, f'mean over {len(parts)} ensemble members'
    else:
        shares, measure = _pipeline_importance(estimator, columns)
        if shares is None:
            return None, None
    return sorted(shares.items(), key=lambda kv: -kv[1]), measure


def draw(ranked, measure: str, title: str, path: str, top: int) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    shown = ranked[:top][::-1]
    height = 1.2 + 0.32 * len(shown)
    fig, ax = plt.subplots(figsize=(7.5, height), dpi=110)
    ax.barh([c for c, _ in shown], [v * 100 for _, v in shown], color='#4a7bd0')
    ax.set_xlabel(f'share of importance, % ({measure})')
    ax.set_title(title, fontsize=11, loc='left')
    ax.spines[['top', 'right']].set_visible(False)
    for y, (_, v) in enumerate(shown):
        ax.text(v * 100, y, f' {v * 100:.1f}', va='center', fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='python -m ouro_harness.chart', description=__doc__)
    p.add_argument('--model', required=True, help='folder holding model.joblib')
    p.add_argument('--out', required=True)
    p.add_argument('--title', default='What the model leans on')
    p.add_argument('--top', type=int, default=15)
    args = p.parse_args(argv)
    # matplotlib wants a writable config folder; the sandbox's HOME is not.
    os.environ.setdefault('MPLCONFIGDIR', os.path.join(args.out, '.mpl'))
    ranked, measure = importance(load_model(args.model))
    if ranked is None:
        print('OURO_NO_CHART: the model exposes no feature importances or coefficients', file=sys.stderr)
        return NO_CHART_EXIT_CODE
    draw(ranked, measure, args.title, os.path.join(args.out, 'chart.png'), args.top)
    write_json(os.path.join(args.out, 'chart.json'), {'kind': 'importance', 'measure': measure, 'columns': [[c, v] for c, v in ranked]})
    return 0


if __name__ == '__main__':
    sys.exit(main())
