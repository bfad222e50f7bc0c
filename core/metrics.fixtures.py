"""Reference values for core/metrics.test.ts, computed with scikit-learn.

Prints one JSON document on stdout: {"sklearn": <version>, "cases": [...]}. Every case carries
its inputs and the expected metric values. NaN is written as null (JSON has no NaN). The data are
seeded, so the output is deterministic for a given numpy/sklearn version.

sklearn has no sMAPE or MASE; for those the expected values come from a straightforward numpy
implementation of the documented formulas (an independent second implementation, not sklearn).
"""

import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)

warnings.simplefilter("ignore")  # UndefinedMetricWarning etc. must not pollute stdout/stderr


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


def classification_case(name, task, y_true, y_pred, proba, classes):
    y_true = np.asarray(y_true, dtype=object)
    proba = np.asarray(proba, dtype=np.float64)
    if task == "binary":
        auc = roc_auc_score((y_true == classes[1]).astype(int), proba[:, 1])
    else:
        auc = roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=classes)
    expected = {
        "roc_auc": num(auc),
        "log_loss": num(log_loss(y_true, proba, labels=classes)),
        "f1_macro": num(f1_score(y_true, y_pred, labels=classes, average="macro")),
        "accuracy": num(accuracy_score(y_true, y_pred)),
    }
    return {
        "name": name,
        "kind": "classification",
        "task": task,
        "classes": list(classes),
        "yTrue": [str(v) for v in y_true],
        "yPred": [str(v) for v in y_pred],
        "proba": proba.tolist(),
        "expected": expected,
    }


def regression_case(name, y_true, y_pred):
    expected = {
        "rmse": num(root_mean_squared_error(y_true, y_pred)),
        "mae": num(mean_absolute_error(y_true, y_pred)),
        "r2": num(r2_score(y_true, y_pred)),
    }
    return {
        "name": name,
        "kind": "regression",
        "yTrue": [float(v) for v in y_true],
        "yPred": [float(v) for v in y_pred],
        "expected": expected,
    }


def np_smape(a, f):
    a = np.asarray(a, dtype=np.float64)
    f = np.asarray(f, dtype=np.float64)
    denom = np.abs(a) + np.abs(f)
    safe = np.where(denom == 0, 1.0, denom)
    terms = np.where(denom == 0, 0.0, 2.0 * np.abs(f - a) / safe)
    return 100.0 * terms.mean()


def np_mase(a, f, history, season):
    history = np.asarray(history, dtype=np.float64)
    scale = np.abs(history[season:] - history[:-season]).mean()
    scale = max(scale, np.finfo(np.float64).eps)
    return np.abs(np.asarray(a) - np.asarray(f)).mean() / scale


def forecast_case(name, history, y_true, y_pred, season):
    return {
        "name": name,
        "kind": "forecast",
        "season": season,
        "yTrainHistory": [float(v) for v in history],
        "yTrue": [float(v) for v in y_true],
        "yPred": [float(v) for v in y_pred],
        "expected": {
            "mase": num(np_mase(y_true, y_pred, history, season)),
            "smape": num(np_smape(y_true, y_pred)),
            "rmse": num(root_mean_squared_error(y_true, y_pred)),
        },
    }


def main():
    rng = np.random.default_rng(20240611)
    cases = []

    # --- binary: scores rounded to 2 decimals (many ties), some exact 0/1 probabilities -------
    classes = ["neg", "pos"]
    n = 500
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + rng.normal(0.35, 0.25, n), 0, 1).round(2)
    score[:5] = 0.0  # exact zeros and ones exercise log-loss clipping
    score[5:10] = 1.0
    y_true = np.array(classes, dtype=object)[y]
    y_pred = np.where(score >= 0.5, "pos", "neg")
    proba = np.column_stack([1 - score, score])
    cases.append(classification_case("binary_ties", "binary", y_true, y_pred, proba, classes))

    # binary with numeric-looking labels and heavy ties (only 5 distinct scores)
    classes = ["0", "1"]
    n = 120
    y = rng.integers(0, 2, n)
    score = rng.choice([0.1, 0.3, 0.5, 0.7, 0.9], n)
    y_true = np.array(classes, dtype=object)[y]
    y_pred = np.where(score > 0.5, "1", "0")
    proba = np.column_stack([1 - score, score])
    cases.append(classification_case("binary_heavy_ties", "binary", y_true, y_pred, proba, classes))

    # binary where y_true holds only one class: AUC undefined (NaN)
    classes = ["no", "yes"]
    n = 30
    score = rng.uniform(0, 1, n)
    y_true = np.array(["yes"] * n, dtype=object)
    y_pred = np.where(score >= 0.5, "yes", "no")
    proba = np.column_stack([1 - score, score])
    cases.append(classification_case("binary_one_class", "binary", y_true, y_pred, proba, classes))

    # --- multiclass ----------------------------------------------------------------------------
    def multiclass(name, classes, n, pool_size, absent_from_pred, absent_from_true=None):
        k = len(classes)
        pool = rng.dirichlet(np.ones(k) * 0.8, pool_size)  # rows drawn from a pool => tied scores
        y = rng.integers(0, k, n)
        if absent_from_true is not None:
            y = np.where(y == absent_from_true, (absent_from_true + 1) % k, y)
        # make the probabilities informative: pick pool rows whose argmax often equals y
        rows = []
        for yi in y:
            candidates = np.flatnonzero(pool.argmax(axis=1) == yi)
            if candidates.size and rng.uniform() < 0.6:
                rows.append(pool[rng.choice(candidates)])
            else:
                rows.append(pool[rng.integers(0, pool_size)])
        proba = np.array(rows)
        pred = proba.argmax(axis=1)
        pred = np.where(pred == absent_from_pred, (absent_from_pred + 1) % k, pred)
        cls = np.array(classes, dtype=object)
        return classification_case(name, "multiclass", cls[y], cls[pred], proba, classes)

    cases.append(multiclass("multiclass3", ["ant", "bee", "cat"], 300, 25, absent_from_pred=2))
    cases.append(multiclass("multiclass5", ["a", "b", "c", "d", "e"], 400, 40, absent_from_pred=1))
    # class "e" absent from both y_true and y_pred: f1 counts it as 0; its OvR AUC is undefined,
    # so the macro AUC is NaN.
    cases.append(
        multiclass("multiclass5_absent_true", ["a", "b", "c", "d", "e"], 200, 30,
                   absent_from_pred=4, absent_from_true=4)
    )

    # --- regression ----------------------------------------------------------------------------
    n = 150
    y_true = rng.normal(-10, 50, n)
    y_pred = y_true + rng.normal(3, 20, n)
    cases.append(regression_case("regression_signed", y_true, y_pred))
    y_true = rng.lognormal(2, 1, 37) * 1e3
    y_pred = y_true * rng.uniform(0.7, 1.3, 37) - 500
    cases.append(regression_case("regression_scaled", y_true, y_pred))
    cases.append(regression_case("regression_constant_perfect", [3.0] * 8, [3.0] * 8))
    cases.append(regression_case("regression_constant_imperfect", [-2.0] * 6, [-2.0, -1.0, -2.0, -3.0, -2.0, 0.5]))

    # --- forecasting (numpy reference) ---------------------------------------------------------
    history = np.cumsum(rng.normal(0, 1, 120)) + 50
    y_true = history[-1] + np.cumsum(rng.normal(0, 1, 14))
    y_pred = np.full(14, history[-1]) + rng.normal(0, 0.5, 14)
    cases.append(forecast_case("forecast_walk", history, y_true, y_pred, 1))
    t = np.arange(140)
    season_series = 10 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, 140) - 3
    cases.append(forecast_case("forecast_weekly", season_series[:126], season_series[126:],
                               season_series[119:133] + rng.normal(0, 0.8, 14), 7))
    cases.append(forecast_case("forecast_zeros", [1, 2, 3, 4], [0, 0, 2, -1], [0, 1, 2, 1], 1))

    json.dump({"sklearn": sklearn.__version__, "cases": cases}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
