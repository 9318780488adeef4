#!/usr/bin/python3
"""The anchor of bench/xgboost_bench.cc: Python XGBoost (python3-xgboost, the same
libxgboost easel links) training on the data file the benchmark wrote, with the same
parameters, evaluating train and val every round as easel's trainer does.

    /usr/bin/python3 bench/xgboost_reference.py DATA_FILE --threads 2 --rounds 100

Prints one JSON line: {"seconds": DMatrix construction + xgb.train, "val_logloss": last round's,
"rounds"}. The data file: 8 bytes b"EASELXGB", then little-endian uint64 n_train, n_val,
n_test, cols, then float32 x_train (row-major), y_train, x_val, y_val, x_test, y_test.
"""
import argparse
import json
import time

import numpy as np
import xgboost as xgb


def read(path):
    with open(path, "rb") as f:
        if f.read(8) != b"EASELXGB":
            raise SystemExit(f"{path}: not an xgboost_bench data file")
        n_train, n_val, n_test, cols = np.frombuffer(f.read(32), dtype="<u8")
        out = []
        for n in (n_train, n_val, n_test):
            x = np.frombuffer(f.read(int(n * cols) * 4), dtype="<f4").reshape(int(n), int(cols))
            y = np.frombuffer(f.read(int(n) * 4), dtype="<f4")
            out.append((x, y))
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    (x_train, y_train), (x_val, y_val), _ = read(args.data)

    # easel's defaults for the xgboost trainer, early stopping off so both run every round.
    params = {
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.3,
        "min_child_weight": 1,
        "subsample": 1,
        "colsample_bytree": 1,
        "lambda": 1,
        "alpha": 0,
        "gamma": 0,
        "max_bin": 256,
        "scale_pos_weight": 1,
        "nthread": args.threads,
    }
    start = time.perf_counter()
    dtrain = xgb.DMatrix(x_train, y_train, nthread=args.threads)
    dval = xgb.DMatrix(x_val, y_val, nthread=args.threads)
    history = {}
    xgb.train(params, dtrain, args.rounds, evals=[(dtrain, "train"), (dval, "val")],
              evals_result=history, verbose_eval=False)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "val_logloss": history["val"]["logloss"][-1],
                      "rounds": len(history["val"]["logloss"])}))


if __name__ == "__main__":
    main()
