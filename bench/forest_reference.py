#!/usr/bin/python3
"""The anchor of bench/forest_bench.cc: scikit-learn's ExtraTreesClassifier (python3-sklearn)
with bootstrap samples, as easel's extra_trees grows its trees, on the same rows.

  data NAME PATH     writes sklearn's dataset NAME (breast_cancer, digits) to PATH, one row per
                     line: the features, then the class index
  fit PATH MAX_FEATURES THREADS REPEAT
                     rows i % 5 == 0 are the test rows, the rest train; fits 300 trees REPEAT
                     times (MAX_FEATURES "sqrt" or a fraction) and prints one JSON line: the best
                     fit time in seconds, the test accuracy and log loss
"""
import json
import sys
import time

import numpy as np
from sklearn import datasets
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.metrics import log_loss


def data(name, path):
    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    with open(path, "w") as f:
        for row, label in zip(x, y):
            f.write(" ".join(repr(float(v)) for v in row) + f" {int(label)}\n")


def fit(path, max_features, threads, repeat):
    a = np.loadtxt(path)
    x, y = a[:, :-1], a[:, -1].astype(int)
    test = np.arange(len(y)) % 5 == 0
    features = max_features if max_features == "sqrt" else float(max_features)
    best = None
    for seed in range(repeat):
        model = ExtraTreesClassifier(n_estimators=300, bootstrap=True, max_features=features,
                                     n_jobs=threads, random_state=seed)
        start = time.perf_counter()
        model.fit(x[~test], y[~test])
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    p = model.predict_proba(x[test])
    print(json.dumps({"seconds": best, "accuracy": float((p.argmax(1) == y[test]).mean()),
                      "log_loss": float(log_loss(y[test], p, labels=model.classes_))}))


if __name__ == "__main__":
    if sys.argv[1] == "data":
        data(sys.argv[2], sys.argv[3])
    else:
        fit(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
