"""The saved model: the cleaner and the fitted estimator in one object, so whatever loads
`model.joblib` (the validation step, the prediction server) feeds it raw cells."""

import numpy as np

from .clean import as_frame


def estimator_classes(estimator):
    classes = getattr(estimator, 'classes_', None)
    if classes is None and hasattr(estimator, 'steps'):
        classes = getattr(estimator.steps[-1][1], 'classes_', None)
    return None if classes is None else [str(c) for c in classes]


def align_probabilities(probabilities, estimator_order, classes) -> np.ndarray:
    """Columns in the run's class order; classes the estimator never saw get probability 0."""
    probabilities = np.asarray(probabilities, dtype=float)
    if estimator_order is None or list(estimator_order) == list(classes):
        return probabilities
    full = np.zeros((probabilities.shape[0], len(classes)))
    position = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(estimator_order):
        if c not in position:
            raise ValueError(f'the estimator predicts class {c!r}, which the run does not know '
                             f'(classes: {classes})')
        full[:, position[c]] = probabilities[:, j]
    return full


class OuroModel:
    """`predict(data)` / `predict_proba(data)` take raw rows: a DataFrame, a list of dicts or
    a dict of columns. Classification predictions are str labels."""

    def __init__(self, cleaner, estimator, signature: dict):
        self.cleaner = cleaner
        self.estimator = estimator
        self.signature = signature

    @property
    def task(self) -> str:
        return self.signature['task']

    @property
    def classes(self):
        return self.signature.get('classes')

    @property
    def has_proba(self) -> bool:
        return self.task != 'regression' and hasattr(self.estimator, 'predict_proba')

    def transform(self, data):
        return self.cleaner.transform(as_frame(data))[self.signature['columns']]

    def predict(self, data) -> np.ndarray:
        predictions = np.asarray(self.estimator.predict(self.transform(data)))
        if self.task == 'regression':
            return predictions.astype(float)
        return predictions.astype(str)

    def predict_proba(self, data) -> np.ndarray:
        if self.task == 'regression':
            raise AttributeError('a regression model has no class probabilities')
        probabilities = self.estimator.predict_proba(self.transform(data))
        return align_probabilities(probabilities, estimator_classes(self.estimator), self.classes)
