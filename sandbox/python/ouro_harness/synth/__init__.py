"""Synthetic data (docs/architecture.md, "Synthetic data"). The generator helpers a fresh
`generate.py` imports (`load_real`, the generators, `finish`), and the trusted steps the host
runs around them: `synth-split` (the one split; holdout labels to the vault), `synth-judge`
(fidelity and privacy on the training rows, the fixed evaluator's holdout predictions; the host
scores those against the vault) and `synth-export` (the user's format, the charts)."""

from .frame import load_real, finish
from .generators import (sample_marginals, sample_copula, sample_cart, sample_bayes_net, sample_smote)

__all__ = ['load_real', 'finish', 'sample_marginals', 'sample_copula', 'sample_cart', 'sample_bayes_net',
           'sample_smote']
