"""Free text as numbers: TF-IDF weights of words and word pairs, learned from the rows the
pipeline is fitted on. In a generated script it sits inside the model's pipeline, so each
cross-validation fold learns its vocabulary and weights from its own training rows only, and
the saved model applies the fitted vocabulary to raw text at prediction time.

    ("text_0", TextVectorizer(), ["review"])                  # sparse TF-IDF, for linear models
    ("text_0", TextVectorizer(components=64), ["review"])     # 64 dense SVD components, for trees
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer


def _cells(X) -> list:
    """One column (a 1-column frame, a Series or an array) -> list of str, '' for missing."""
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(f'TextVectorizer takes one text column, got {X.shape[1]}; use one per column')
        X = X.iloc[:, 0]
    values = pd.Series(np.asarray(X, dtype=object).reshape(-1))
    return values.where(values.notna(), '').astype(str).tolist()


class TextVectorizer(TransformerMixin, BaseEstimator):
    """TF-IDF of one text column (lowercased words and word pairs, sublinear counts, words in
    at least `min_df` rows, at most `max_features` of them). With `components`, a seeded
    truncated SVD of those weights: a few dense columns tree models split on well."""

    def __init__(self, max_features=20000, min_df=2, ngram_max=2, components=None, seed=0):
        self.max_features = max_features
        self.min_df = min_df
        self.ngram_max = ngram_max
        self.components = components
        self.seed = seed

    def fit(self, X, y=None):
        cells = _cells(X)
        # min_df as a row count cannot exceed the rows; on a handful of rows keep every word.
        min_df = self.min_df if len(cells) >= 5 * self.min_df else 1
        self.tfidf_ = TfidfVectorizer(lowercase=True, ngram_range=(1, self.ngram_max), min_df=min_df,
                                      max_features=self.max_features, sublinear_tf=True, dtype=np.float32)
        try:
            weights = self.tfidf_.fit_transform(cells)
        except ValueError:  # no word at all (every cell blank or punctuation): nothing to learn
            self.tfidf_ = None
            weights = None
        self.svd_ = None
        if self.components is not None and weights is not None:
            # The SVD needs fewer components than words and rows; a tiny vocabulary keeps what it has.
            n = min(int(self.components), weights.shape[1] - 1, weights.shape[0] - 1)
            if n >= 1:
                self.svd_ = TruncatedSVD(n_components=n, random_state=self.seed).fit(weights)
        self.n_out_ = self._width()
        return self

    def _width(self) -> int:
        if self.tfidf_ is None:
            return 1
        return self.svd_.n_components if self.svd_ is not None else len(self.tfidf_.vocabulary_)

    def transform(self, X):
        cells = _cells(X)
        if self.tfidf_ is None:
            return np.zeros((len(cells), 1), dtype=np.float32)
        weights = self.tfidf_.transform(cells)
        if self.svd_ is not None:
            return self.svd_.transform(weights).astype(np.float32)
        if self.components is not None:
            return weights.toarray()  # too few words for an SVD: the weights themselves, dense
        return weights

    def get_feature_names_out(self, input_features=None):
        prefix = str(input_features[0]) if input_features is not None and len(input_features) else 'text'
        return np.array([f'{prefix}__{i}' for i in range(self.n_out_)], dtype=object)
