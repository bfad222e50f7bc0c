"""Helpers for the analysis scripts of an analysis report (docs/architecture.md, "Analysis
reports"). Every generated `analysis.py` reads the run's table through `load_data`, computes
with the functions below, and writes `findings.json` (claims with their numbers, n, effect
size, interval and method) and charts (PNG plus the CSV table behind each) through `Findings`:

    from ouro_harness.analysis import load_data, Findings, associations
    data = load_data(max_rows=100_000, seed=42)
    f = Findings('a2', 'Which columns move with churn?')
    associations(data, 'churn', f)
    f.write()

Nothing here reads anything but the table and the profile; the host reads findings.json
through its trust boundary and checks every number it shows against it.
"""

from .data import Data, load_data
from .findings import Findings, fmt, pct
from .stats import associations, compare_groups, trend, benjamini_hochberg, wilson
from .drivers import model_importance, segments
from .describe import overview, data_quality, distributions

__all__ = ['Data', 'load_data', 'Findings', 'fmt', 'pct', 'associations', 'compare_groups', 'trend',
           'benjamini_hochberg', 'wilson', 'model_importance', 'segments', 'overview', 'data_quality',
           'distributions']
