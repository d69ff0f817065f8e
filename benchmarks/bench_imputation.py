"""Imputation RMSE of AutoencoderImputer against scikit-learn's imputers.

Protocol: each table is scaled to [0, 1] with ``MinMaxScaler`` on all rows,
then entries are masked:

- ``mcar``: each entry independently with probability ``rate``;
- ``mnar``: censoring, the largest ``rate`` share of each feature's values
  (ties broken at random).

Every row keeps at least one observed value. Each method fits and transforms
the masked table; the score is the RMSE over the masked entries, and the
time is that of ``fit_transform``. Methods:

- ``autoencoder``: ``AutoencoderImputer(random_state=seed)``, its defaults;
- ``mean``: ``SimpleImputer()``; ``knn``: ``KNNImputer()``;
- ``iterative``: ``IterativeImputer(max_iter=10)``;
- ``missforest``: ``IterativeImputer(ExtraTreesRegressor(n_estimators=50),
  max_iter=5)``, the slow one: ``--missforest {all,sklearn,none}`` says on
  which sets it runs (default: the scikit-learn sets).

Data: scikit-learn's breast_cancer, diabetes, wine, digits and iris, and the
12 ADBench tables in ``../shared/data/adbench`` (labels ignored, at most
5,000 rows sampled; skipped when the folder is absent). ``ratio`` is the
autoencoder's RMSE over that of the best baseline on the same set and case;
the summary gives their geometric mean over the sets tuned on
(``TUNED``: the defaults were chosen on them) and over the others.

    python benchmarks/bench_imputation.py                  # everything, 3 seeds
    python benchmarks/bench_imputation.py --sets sklearn   # the 5 sklearn sets
    python benchmarks/bench_imputation.py --sets wine iris --seeds 0 1
    python benchmarks/bench_imputation.py --cases mcar:0.2 mcar:0.5 mnar:0.2
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn import datasets
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.preprocessing import MinMaxScaler

from sklearn_ae import AutoencoderImputer

SKLEARN_SETS = ("breast_cancer", "diabetes", "wine", "digits", "iris")
ADBENCH_SETS = (
    "glass",
    "ionosphere",
    "breastw",
    "letter",
    "cardio",
    "musk",
    "thyroid",
    "satimage-2",
    "pendigits",
    "annthyroid",
    "mammography",
    "shuttle",
)
# The sets the imputer's defaults were chosen on; the others are held out.
TUNED = ("breast_cancer", "wine", "diabetes")
MAX_ROWS = 5000
BASELINES = ("mean", "knn", "iterative", "missforest")


def default_data_dir():
    if os.environ.get("SKLEARN_AE_DATA"):
        return Path(os.environ["SKLEARN_AE_DATA"]) / "adbench"
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "adbench"


def load(name, data_dir):
    if name in SKLEARN_SETS:
        X = getattr(datasets, f"load_{name}")().data
    else:
        X = np.load(data_dir / f"{name}.npz")["X"]
        if len(X) > MAX_ROWS:
            rows = np.random.RandomState(0).choice(len(X), MAX_ROWS, replace=False)
            X = X[np.sort(rows)]
    return MinMaxScaler().fit_transform(X.astype(np.float64))


def mask(X, mechanism, rate, seed):
    """Boolean mask of the entries to hide; each row keeps one observed."""
    rng = np.random.RandomState(seed)
    n, p = X.shape
    if mechanism == "mcar":
        hidden = rng.uniform(size=X.shape) < rate
    else:  # mnar: censor each feature's largest values
        hidden = np.zeros(X.shape, dtype=bool)
        n_hidden = int(round(rate * n))
        for j in range(p):
            order = np.lexsort((rng.uniform(size=n), X[:, j]))
            hidden[order[n - n_hidden :], j] = True
    for i in np.flatnonzero(hidden.all(axis=1)):
        hidden[i, rng.randint(p)] = False
    return hidden


def make_method(name, seed):
    if name == "autoencoder":
        return AutoencoderImputer(random_state=seed)
    if name == "mean":
        return SimpleImputer(keep_empty_features=True)
    if name == "knn":
        return KNNImputer(keep_empty_features=True)
    if name == "iterative":
        return IterativeImputer(
            max_iter=10, random_state=seed, keep_empty_features=True
        )
    return IterativeImputer(
        ExtraTreesRegressor(n_estimators=50, random_state=seed, n_jobs=1),
        max_iter=5,
        random_state=seed,
        keep_empty_features=True,
    )


def run_one(name, X, hidden, seed):
    X_masked = np.where(hidden, np.nan, X)
    imputer = make_method(name, seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        filled = imputer.fit_transform(X_masked)
    elapsed = time.perf_counter() - start
    if filled.shape != X.shape:
        raise RuntimeError(f"{name} returned shape {filled.shape}, not {X.shape}")
    return float(np.sqrt(np.mean((filled[hidden] - X[hidden]) ** 2))), elapsed


def geomean(values):
    return float(np.exp(np.mean(np.log(values)))) if values else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["all"],
        help="set names, or 'sklearn', 'adbench', 'all' (default)",
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--cases",
        nargs="+",
        default=["mcar:0.2", "mcar:0.5", "mnar:0.2"],
        help="mechanism:rate pairs, mechanism mcar or mnar",
    )
    parser.add_argument(
        "--missforest",
        choices=["all", "sklearn", "none"],
        default="sklearn",
        help="sets on which the slow missForest-like baseline runs",
    )
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    sets = []
    for entry in args.sets:
        if entry in ("sklearn", "all"):
            sets += SKLEARN_SETS
        if entry in ("adbench", "all"):
            sets += ADBENCH_SETS
        if entry not in ("sklearn", "adbench", "all"):
            sets.append(entry)
    available = [
        s for s in sets if s in SKLEARN_SETS or (args.data / f"{s}.npz").exists()
    ]
    missing = sorted(set(sets) - set(available))
    if missing:
        print(f"skipped (no data in {args.data}): {', '.join(missing)}")
    cases = [(c.split(":")[0], float(c.split(":")[1])) for c in args.cases]

    print(
        f"RMSE on the masked entries, mean over seeds {args.seeds}; "
        "time = fit_transform seconds (sum over seeds)\n"
    )
    print(
        "| set | case | autoencoder | mean | knn | iterative | missforest | ratio "
        "| time ae / mf |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    ratios = {}  # (case, group) -> list of ratios
    times = {"autoencoder": 0.0, "missforest": 0.0}
    times_where_mf = {"autoencoder": 0.0, "missforest": 0.0}
    for name in available:
        X = load(name, args.data)
        run_mf = args.missforest == "all" or (
            args.missforest == "sklearn" and name in SKLEARN_SETS
        )
        for mechanism, rate in cases:
            scores = {m: [] for m in ("autoencoder", *BASELINES)}
            spent = dict.fromkeys(scores, 0.0)
            for seed in args.seeds:
                hidden = mask(X, mechanism, rate, seed)
                for method in scores:
                    if method == "missforest" and not run_mf:
                        continue
                    rmse, elapsed = run_one(method, X, hidden, seed)
                    scores[method].append(rmse)
                    spent[method] += elapsed
            mean = {m: np.mean(v) if v else np.nan for m, v in scores.items()}
            best = min(mean[m] for m in BASELINES if scores[m])
            ratio = mean["autoencoder"] / best
            group = "tuned" if name in TUNED else "held out"
            ratios.setdefault((f"{mechanism} {rate:g}", group), []).append(ratio)
            times["autoencoder"] += spent["autoencoder"]
            if run_mf:
                times_where_mf["autoencoder"] += spent["autoencoder"]
                times_where_mf["missforest"] += spent["missforest"]
            cells = " | ".join(
                "-" if np.isnan(mean[m]) else f"{mean[m]:.4f}"
                for m in ("autoencoder", *BASELINES)
            )
            mf_time = f"{spent['missforest']:.1f}" if run_mf else "-"
            print(
                f"| {name} | {mechanism} {rate:g} | {cells} | {ratio:.3f} | "
                f"{spent['autoencoder']:.1f} / {mf_time} |",
                flush=True,
            )

    print("\nGeometric mean of RMSE(autoencoder) / RMSE(best baseline), worst set:\n")
    print("| case | sets | n | geometric mean | worst |")
    print("|---|---|---:|---:|---:|")
    for (case, group), values in sorted(ratios.items()):
        print(
            f"| {case} | {group} | {len(values)} | {geomean(values):.3f} "
            f"| {max(values):.3f} |"
        )
    everything = {}
    for (case, _), values in ratios.items():
        everything.setdefault(case, []).extend(values)
    for case, values in sorted(everything.items()):
        print(
            f"| {case} | all | {len(values)} | {geomean(values):.3f} "
            f"| {max(values):.3f} |"
        )
    if times_where_mf["missforest"]:
        print(
            f"\nFit time where missforest ran: autoencoder "
            f"{times_where_mf['autoencoder']:.0f} s, missforest "
            f"{times_where_mf['missforest']:.0f} s (ratio "
            f"{times_where_mf['autoencoder'] / times_where_mf['missforest']:.2f})."
        )
    print(f"Autoencoder fit time, all sets: {times['autoencoder']:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
