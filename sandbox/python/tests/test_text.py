import pickle

import numpy as np
import pandas as pd

from ouro_harness.text import TextVectorizer


def test_vocabulary_comes_from_the_fitted_rows_only():
    train = pd.DataFrame({'note': ['red box came', 'blue box came', 'red item late', 'blue item late'] * 3})
    held = pd.DataFrame({'note': ['green parcel arrived', None]})
    vec = TextVectorizer().fit(train)
    assert 'box' in vec.tfidf_.vocabulary_ and 'green' not in vec.tfidf_.vocabulary_
    out = vec.transform(held)
    assert out.shape == (2, len(vec.tfidf_.vocabulary_)) and out.sum() == 0  # unseen words and blanks: all zero


def test_components_are_dense_and_capped_by_a_small_vocabulary():
    train = pd.DataFrame({'note': ['a b', 'b c', 'c a', 'a b c'] * 4})
    vec = TextVectorizer(components=64, ngram_max=1).fit(train)
    out = vec.transform(train)
    assert isinstance(out, np.ndarray) and out.shape[0] == 16 and 1 <= out.shape[1] < 3
    assert len(vec.get_feature_names_out(['note'])) == out.shape[1]


def test_a_column_without_words_gives_one_zero_feature_and_survives_pickling():
    vec = TextVectorizer(components=8).fit(pd.DataFrame({'note': [None, '', '!!', None]}))
    out = pickle.loads(pickle.dumps(vec)).transform(pd.DataFrame({'note': ['hello', None]}))
    assert out.shape == (2, 1) and not out.any()
