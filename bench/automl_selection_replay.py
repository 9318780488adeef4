#!/usr/bin/python3
"""How should AutoML choose its ensemble on a small table? A scikit-learn replay.

Replays the shape of easel's AutoML selection with scikit-learn models, over many held-out
draws, to compare selection rules without running easel: the candidates (logistic regression
at three penalties, an MLP at three weight decays, extremely randomized trees, histogram
gradient boosting) are scored by 5-fold out-of-fold predictions on the 75% a draw keeps, a rule
chooses an ensemble from those predictions, and the ensemble refit on the 75% is scored on the
held-out 25% (stratified, seed = draw, as bench/automl_reference.py splits).

Rules: greedy (Caruana's selection on log loss, as easel's ensemble.cc), one_se (the same
greedy selection started from the simplest candidate within one standard error of the best),
brier (greedy on the Brier score), errors (greedy on the error rate, log loss breaking ties),
simple_alone (the simplest candidate within one standard error of the best, alone),
simple_or_ensemble (the simplest candidate within one standard error of the greedy ensemble,
alone, else the ensemble), default_or_ensemble (the same, among the candidates at their
algorithm's default settings only), stack (stacking: a logistic regression, C = 0.1, over the
candidates' log probabilities), log_pool (log-linear pooling: the candidates' log probabilities
weighted, weights >= 0 with an L2 penalty of 0.01, plus a bias per class, then a softmax),
stack_or_average (stack or greedy, whichever has the lower log loss when each is fitted on 4/5
of the out-of-fold rows and judged on the rest, 5 times: easel's choice),
calibrated_greedy and calibrated_stack_or_average (the same two after each candidate's
probabilities are raised to a power fitted on its own out-of-fold rows and renormalized, as
easel's extra_trees calibrates on its out-of-bag rows) and logistic (logistic regression at the
default penalty alone, the usual strongest baseline on breast cancer).

--lbfgs-mlp adds two MLPs trained as easel's `mlp` with its L-BFGS optimizer: 256 hidden units,
full batch, run to convergence at a weight decay of 1e-4 and 1e-2 (scikit-learn's alpha).
Unlike the default candidates they are overconfident, and with them the replay loses held-out
rows on wine as easel does.

  /usr/bin/python3 bench/automl_selection_replay.py breast_cancer 20 [--lbfgs-mlp]
"""
import argparse
import warnings

import numpy as np
from sklearn import datasets
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from scipy.optimize import minimize, minimize_scalar

warnings.filterwarnings("ignore")
LOADERS = {"iris": datasets.load_iris, "wine": datasets.load_wine,
           "breast_cancer": datasets.load_breast_cancer, "digits": datasets.load_digits}
SIMPLICITY = {"linear": 0, "trees": 1, "gbm": 2, "mlp": 3}


def candidates(lbfgs_mlp=False):
    out = []
    for c in (0.1, 1.0, 10.0):
        out.append(("linear", lambda c=c: make_pipeline(
            StandardScaler(), LogisticRegression(C=c, max_iter=2000))))
    for alpha in (1e-4, 1e-2, 1.0):
        out.append(("mlp", lambda a=alpha: make_pipeline(
            StandardScaler(), MLPClassifier(alpha=a, max_iter=300, random_state=0))))
    out.append(("trees", lambda: ExtraTreesClassifier(n_estimators=200, random_state=0)))
    out.append(("gbm", lambda: HistGradientBoostingClassifier()))
    if lbfgs_mlp:
        for alpha in (1e-4, 1e-2):
            out.append(("mlp", lambda a=alpha: make_pipeline(StandardScaler(), MLPClassifier(
                hidden_layer_sizes=(256,), solver="lbfgs", alpha=a, max_iter=4000,
                random_state=0))))
    return out


def log_loss_rows(p, y):
    return -np.log(np.clip(p[np.arange(len(y)), y], 1e-15, 1))


def brier_rows(p, y):
    target = np.zeros_like(p)
    target[np.arange(len(y)), y] = 1
    return ((p - target) ** 2).sum(1)


def error_rows(p, y):
    return (p.argmax(1) != y).astype(float) + 0.01 * log_loss_rows(p, y)


def greedy(predictions, y, loss, rounds=25, start=None):
    """Selection with replacement; the weights at the round with the lowest loss."""
    counts = np.zeros(len(predictions))
    total = np.zeros_like(predictions[0])
    best, kept, chosen = np.inf, None, 0
    if start is not None:
        counts[start] += 1
        total += predictions[start]
        chosen = 1
        best, kept = loss(total, y).mean(), counts.copy()
    for r in range(chosen + 1, rounds + 1):
        scores = [loss((total + p) / r, y).mean() for p in predictions]
        m = int(np.argmin(scores))
        counts[m] += 1
        total += predictions[m]
        if scores[m] < best:
            best, kept = scores[m], counts.copy()
    return kept / kept.sum()


def log_probabilities(predictions):
    return [np.log(np.clip(p, 1e-6, 1)) for p in predictions]


def softmax(z):
    z = z - z.max(1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(1, keepdims=True)


def stack(oof, y, held, c=0.1):
    """A logistic regression over every candidate's log probabilities: held-out probabilities."""
    meta = LogisticRegression(C=c, max_iter=5000).fit(np.hstack(log_probabilities(oof)), y)
    return meta.predict_proba(np.hstack(log_probabilities(held)))


def log_pool(oof, y, held, l2=0.01):
    """softmax(sum_m w_m log p_m + b), w >= 0, fitted on log loss + l2 |w|^2: held-out
    probabilities."""
    logs, rows = log_probabilities(oof), np.arange(len(y))
    m, k = len(logs), logs[0].shape[1]

    def objective(theta):
        w, b = theta[:m], theta[m:]
        p = softmax(sum(w[j] * logs[j] for j in range(m)) + b)
        g = p.copy()
        g[rows, y] -= 1
        g /= len(y)
        loss = -np.log(np.clip(p[rows, y], 1e-300, 1)).mean() + l2 * (w ** 2).sum()
        grad_w = np.array([(g * logs[j]).sum() for j in range(m)]) + 2 * l2 * w
        return loss, np.concatenate([grad_w, g.sum(0)])
    start = np.concatenate([np.full(m, 1.0 / m), np.zeros(k)])
    theta = minimize(objective, start, jac=True, method="L-BFGS-B",
                     bounds=[(0, None)] * m + [(None, None)] * k).x
    return softmax(sum(theta[j] * h for j, h in enumerate(log_probabilities(held))) + theta[m:])


def calibrated(p, power):
    q = np.clip(p, 1e-6, 1) ** power
    return q / q.sum(1, keepdims=True)


def calibration_power(p, y):
    """The power in [0.1, 20] that minimizes the log loss of calibrated(p) on rows y."""
    loss = lambda log_t: log_loss_rows(calibrated(p, np.exp(log_t)), y).mean()
    return np.exp(minimize_scalar(loss, bounds=(np.log(0.1), np.log(20)), method="bounded").x)


def stacking_wins(oof, y):
    """Whether stacking beats greedy weights on out-of-fold rows neither was fitted on."""
    averaged, stacked = [], []
    for fit, held in KFold(5, shuffle=True, random_state=2).split(oof[0]):
        fit_p, held_p = [p[fit] for p in oof], [p[held] for p in oof]
        weights = greedy(fit_p, y[fit], log_loss_rows)
        averaged.append(log_loss_rows(sum(w * p for w, p in zip(weights, held_p)), y[held]))
        stacked.append(log_loss_rows(stack(fit_p, y[fit], held_p), y[held]))
    return np.concatenate(stacked).mean() < np.concatenate(averaged).mean()


def main():
    parser = argparse.ArgumentParser(description="Replays easel's AutoML ensemble selection.")
    parser.add_argument("dataset", choices=sorted(LOADERS))
    parser.add_argument("draws", type=int, nargs="?", default=20)
    parser.add_argument("--lbfgs-mlp", action="store_true",
                        help="add two MLPs trained as easel's L-BFGS mlp")
    args = parser.parse_args()
    name, draws, lbfgs_mlp = args.dataset, args.draws, args.lbfgs_mlp
    data = LOADERS[name]()
    results = {}
    for seed in range(draws):
        x, hx, y, hy = train_test_split(data.data, data.target, test_size=0.25,
                                        random_state=seed, stratify=data.target)
        models = candidates(lbfgs_mlp)
        classes = len(np.unique(y))
        oof = []
        for _, make in models:
            p = np.zeros((len(y), classes))
            for train, test in KFold(5, shuffle=True, random_state=1).split(x):
                p[test] = make().fit(x[train], y[train]).predict_proba(x[test])
            oof.append(p)
        held = [make().fit(x, y).predict_proba(hx) for _, make in models]
        losses = [log_loss_rows(p, y) for p in oof]
        best = int(np.argmin([l.mean() for l in losses]))

        def within_one_se(m):
            d = losses[m] - losses[best]
            return m == best or d.mean() <= d.std(ddof=1) / np.sqrt(len(y))
        simplest = min((m for m in range(len(models)) if within_one_se(m)),
                       key=lambda m: (SIMPLICITY[models[m][0]], losses[m].mean()))
        ensemble = greedy(oof, y, log_loss_rows)
        ensemble_rows = log_loss_rows(sum(w * p for w, p in zip(ensemble, oof)), y)

        def near_ensemble(m):
            d = losses[m] - ensemble_rows
            return d.mean() <= d.std(ddof=1) / np.sqrt(len(y))
        near = [m for m in range(len(models)) if near_ensemble(m)]
        simple_near = min(near, key=lambda m: (SIMPLICITY[models[m][0]], losses[m].mean()),
                          default=None)
        defaults = [1, 4, 6, 7]  # each algorithm at its default settings
        near_defaults = [m for m in defaults if near_ensemble(m)]
        default_near = min(near_defaults,
                           key=lambda m: (SIMPLICITY[models[m][0]], losses[m].mean()),
                           default=None)
        rules = {"greedy": ensemble,
                 "default_or_ensemble": (np.eye(len(models))[default_near]
                                         if default_near is not None else ensemble),
                 "simple_alone": np.eye(len(models))[simplest],
                 "simple_or_ensemble": (np.eye(len(models))[simple_near]
                                        if simple_near is not None else ensemble),
                 "one_se": greedy(oof, y, log_loss_rows, start=simplest),
                 "brier": greedy(oof, y, brier_rows),
                 "errors": greedy(oof, y, error_rows),
                 "logistic": np.eye(len(models))[1]}
        held_probabilities = {rule: sum(w * h for w, h in zip(weights, held))
                              for rule, weights in rules.items()}
        held_probabilities["stack"] = stack(oof, y, held)
        held_probabilities["log_pool"] = log_pool(oof, y, held)
        held_probabilities["stack_or_average"] = held_probabilities[
            "stack" if stacking_wins(oof, y) else "greedy"]
        powers = [calibration_power(p, y) for p in oof]
        calibrated_oof = [calibrated(p, t) for p, t in zip(oof, powers)]
        calibrated_held = [calibrated(h, t) for h, t in zip(held, powers)]
        held_probabilities["calibrated_greedy"] = sum(
            w * h for w, h in zip(greedy(calibrated_oof, y, log_loss_rows), calibrated_held))
        held_probabilities["calibrated_stack_or_average"] = (
            stack(calibrated_oof, y, calibrated_held) if stacking_wins(calibrated_oof, y)
            else held_probabilities["calibrated_greedy"])
        line = []
        for rule, p in held_probabilities.items():
            acc, loss = (p.argmax(1) == hy).mean(), log_loss_rows(p, hy).mean()
            results.setdefault(rule, []).append((acc, loss))
            line.append("%s %.3f/%.3f" % (rule, acc, loss))
        print("draw %2d: " % seed + ", ".join(line), flush=True)
    print("mean over %d draws (held-out accuracy / log loss):" % draws)
    for rule, values in results.items():
        v = np.array(values)
        print("  %-27s %.4f / %.4f" % (rule, v[:, 0].mean(), v[:, 1].mean()))


if __name__ == "__main__":
    main()
