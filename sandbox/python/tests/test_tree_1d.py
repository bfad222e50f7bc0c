import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from ouro_harness.tree_1d import fit_predict


@pytest.mark.parametrize('classify', [True, False])
def test_predicts_as_sklearns_depth_4_tree_on_one_column(classify):
    rng = np.random.default_rng(1)
    for _ in range(40):
        n = int(rng.integers(30, 300))
        # Ties and runs of equal values; float32 values, as sklearn's trees cast X to float32.
        x = np.round(rng.normal(size=n), int(rng.integers(0, 3))).astype(np.float32).astype(float)
        if classify:
            y = np.where(x + rng.normal(scale=0.5, size=n) > 0, 'a', np.where(rng.random(n) > 0.5, 'b', 'c')).astype(object)
        else:
            y = np.sin(2 * x) + rng.normal(scale=0.3, size=n)
        cut = n * 2 // 3
        mine = fit_predict(x[:cut], y[:cut], x[cut:], classify)
        tree = (DecisionTreeClassifier if classify else DecisionTreeRegressor)(max_depth=4, random_state=0)
        ref = tree.fit(x[:cut, None], y[:cut]).predict(x[cut:, None])
        if classify:
            assert (mine == ref).all()
        else:
            np.testing.assert_allclose(mine, ref)


def test_a_constant_column_predicts_the_majority_or_the_mean():
    assert (fit_predict(np.ones(5), np.array(['a', 'b', 'b', 'b', 'a'], dtype=object), np.array([0.0, 2.0]), True) == 'b').all()
    np.testing.assert_allclose(fit_predict(np.ones(4), np.array([1.0, 2, 3, 4]), np.array([9.0]), False), [2.5])
