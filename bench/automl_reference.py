#!/usr/bin/python3
"""The anchors of bench/automl_bench.cc: scikit-learn's LogisticRegression, RandomForest and
HistGradientBoosting and XGBoost, all with default parameters, on the same split the easel side
uses. Run with /usr/bin/python3 (Debian's python3-sklearn and python3-xgboost).

  prepare NAME DIR [SEED]
                     writes DIR/train.csv and DIR/holdout.csv: sklearn's dataset NAME (iris,
                     wine, breast_cancer, digits) with features f0.. and a string `label`, 25%
                     held out (stratified; the split drawn with SEED, default 0)
  baselines DIR      fits each baseline on train.csv, scores holdout.csv; prints one JSON line
"""

import csv
import json
import sys
import time

import numpy as np
import xgboost
from sklearn import datasets
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler

LOADERS = {"iris": datasets.load_iris, "wine": datasets.load_wine,
           "breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits}


def write_csv(path, x, labels):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"f{i}" for i in range(x.shape[1])] + ["label"])
        for row, label in zip(x, labels):
            w.writerow([repr(float(v)) for v in row] + [label])


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    return np.array([[float(v) for v in r[:-1]] for r in rows]), np.array([r[-1] for r in rows])


def prepare(name, out, seed=0):
    d = LOADERS[name]()
    names = [str(n) for n in getattr(d, "target_names", np.unique(d.target))]
    # Labels as words, so no side mistakes a class index for a number to regress.
    labels = np.array([f"c_{names[t]}" for t in d.target])
    x, hx, y, hy = train_test_split(d.data, labels, test_size=0.25, random_state=seed,
                                    stratify=labels)
    write_csv(f"{out}/train.csv", x, y)
    write_csv(f"{out}/holdout.csv", hx, hy)
    print(json.dumps({"train": len(y), "holdout": len(hy)}))


def baselines(out):
    x, train_labels = read_csv(f"{out}/train.csv")
    hx, holdout_labels = read_csv(f"{out}/holdout.csv")
    encoder = LabelEncoder().fit(train_labels)
    y, hy = encoder.transform(train_labels), encoder.transform(holdout_labels)
    models = {
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "random_forest": RandomForestClassifier(random_state=0),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=0),
        "xgboost": xgboost.XGBClassifier(),
    }
    results = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(x, y)
        seconds = time.perf_counter() - start
        proba = model.predict_proba(hx)
        results[name] = {"accuracy": accuracy_score(hy, proba.argmax(1)),
                         "log_loss": log_loss(hy, proba, labels=range(len(encoder.classes_))),
                         "seconds": seconds}
    print(json.dumps(results))


def main():
    if len(sys.argv) in (4, 5) and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 0)
    elif len(sys.argv) == 3 and sys.argv[1] == "baselines":
        baselines(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
