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

Wide rows (``--sets images``, or ``mnist`` / ``fashion_mnist``): the first
5,000 training and 2,000 test images of ``../shared/data/images``, pixels
in [0, 1], each pixel hidden with probability 0.3 (MCAR) in both parts.
Each method fits on the masked training rows and fills the masked test
rows; the score is the RMSE over the test rows' hidden pixels. The
baseline is ``IterativeImputer(n_nearest_features=40, max_iter=5)``
(``KNNImputer()`` and the mean beside it); the targets are an RMSE of at
most 0.90 times the iterative imputer's at at most half its fit time.
Fit times are CPU seconds of this process (``time.process_time``, one
thread), so other load on the machine counts less than in wall time.

Data: scikit-learn's breast_cancer, diabetes, wine, digits and iris, and the
12 ADBench tables in ``../shared/data/adbench`` (labels ignored, at most
5,000 rows sampled; skipped when the folder is absent). ``ratio`` is the
autoencoder's RMSE over that of the best of mean, knn and iterative on the
same set and case (issue 24's target: a geometric mean of at most 1.00 at
20% and 50% MCAR on tables nobody tuned on), ``ratio mf`` the same with
missforest among the baselines; the summary gives their geometric means
over the sets tuned on (``TUNED``: the defaults were chosen on breast_cancer,
wine and diabetes, the held-out guard on the first six ADBench tables) and
over the others, scikit-learn and ADBench sets apart.

    python benchmarks/bench_imputation.py                  # everything, 3 seeds
    python benchmarks/bench_imputation.py --sets sklearn   # the 5 sklearn sets
    python benchmarks/bench_imputation.py --sets wine iris --seeds 0 1
    python benchmarks/bench_imputation.py --cases mcar:0.2 mcar:0.5 mnar:0.2
    python benchmarks/bench_imputation.py --sets images --seeds 0   # MNIST, Fashion
    # issue 24's targets: ADBench halves at 20% and 50% MCAR, and the images
    python benchmarks/bench_imputation.py --sets adbench images --seeds 0 \
        --cases mcar:0.2 mcar:0.5 --missforest none
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
# The held-out guard (a blend with a linear fill, issue 24) was tuned on the
# first half of the ADBench tables and judged on the second.
TUNED = (
    "breast_cancer",
    "wine",
    "diabetes",
    "glass",
    "ionosphere",
    "breastw",
    "letter",
    "cardio",
    "thyroid",
)
IMAGE_SETS = ("mnist", "fashion_mnist")
IMAGE_TRAIN, IMAGE_TEST, IMAGE_RATE = 5000, 2000, 0.3
IMAGE_TARGETS = {"rmse": 0.90, "time": 0.50}
MAX_ROWS = 5000
BASELINES = ("mean", "knn", "iterative", "missforest")
# issue 24's target: the geometric mean of the ratio to the best of these.
SIMPLE = ("mean", "knn", "iterative")
TABLE_TARGET = 1.00


def default_data_dir():
    if os.environ.get("SKLEARN_AE_DATA"):
        return Path(os.environ["SKLEARN_AE_DATA"]) / "adbench"
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "adbench"


def images_dir(data_dir):
    return data_dir.parent / "images"


def load_images(name, data_dir, seed):
    """Masked training rows, test rows and the mask of the test rows."""
    with np.load(images_dir(data_dir) / f"{name}.npz") as d:
        train = d["X_train"][:IMAGE_TRAIN].reshape(IMAGE_TRAIN, -1) / 255.0
        test = d["X_test"][:IMAGE_TEST].reshape(IMAGE_TEST, -1) / 255.0
    rng = np.random.RandomState(seed)
    hidden_train = rng.uniform(size=train.shape) < IMAGE_RATE
    hidden_test = rng.uniform(size=test.shape) < IMAGE_RATE
    return np.where(hidden_train, np.nan, train), test, hidden_test


def make_image_method(name, seed):
    if name == "iterative":
        return IterativeImputer(
            n_nearest_features=40,
            max_iter=5,
            random_state=seed,
            keep_empty_features=True,
        )
    return make_method(name, seed)


def run_images(names, seeds, data_dir):
    """The wide-row case: RMSE on the hidden test pixels and fit CPU time."""
    methods = ("autoencoder", "iterative", "knn", "mean")
    print(
        f"\nImages: {IMAGE_TRAIN} training rows, RMSE on the hidden pixels of "
        f"{IMAGE_TEST} test rows, MCAR {IMAGE_RATE:g}; fit = CPU seconds of "
        "fit (knn: of fit + transform); mean over seeds "
        f"{seeds}\n"
    )
    print(
        "| set | " + " | ".join(methods) + " | fit ae / iterative (s) "
        "| RMSE ratio (target <= "
        f"{IMAGE_TARGETS['rmse']:.2f}) | time ratio (target <= "
        f"{IMAGE_TARGETS['time']:.2f}) |"
    )
    print("|---|" + "---:|" * (len(methods) + 3))
    for name in names:
        scores = {m: [] for m in methods}
        fit = dict.fromkeys(methods, 0.0)
        for seed in seeds:
            train, test, hidden = load_images(name, data_dir, seed)
            test_masked = np.where(hidden, np.nan, test)
            for method in methods:
                imputer = make_image_method(method, seed)
                start = time.process_time()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    imputer.fit(train)
                    if method == "knn":  # its work is at transform
                        filled = imputer.transform(test_masked)
                    fit[method] += time.process_time() - start
                    if method != "knn":
                        filled = imputer.transform(test_masked)
                error = filled[hidden] - test[hidden]
                scores[method].append(float(np.sqrt(np.mean(error**2))))
        mean = {m: float(np.mean(v)) for m, v in scores.items()}
        cells = " | ".join(f"{mean[m]:.4f}" for m in methods)
        rmse_ratio = mean["autoencoder"] / mean["iterative"]
        time_ratio = fit["autoencoder"] / fit["iterative"]
        print(
            f"| {name} | {cells} | {fit['autoencoder']:.1f} / "
            f"{fit['iterative']:.1f} | {rmse_ratio:.3f} | {time_ratio:.2f} |",
            flush=True,
        )


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


def run_tables(available, cases, args):
    """The tables: RMSE on the masked entries and the ratios to the baselines."""
    print(
        f"RMSE on the masked entries, mean over seeds {args.seeds}; "
        "time = fit_transform seconds (sum over seeds)\n"
    )
    print(
        "| set | case | autoencoder | mean | knn | iterative | missforest | ratio "
        "| ratio mf | time ae / mf |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = {}  # (case, group) -> list of ratios to mean, knn, iterative
    ratios_mf = {}  # the same, to the best baseline missForest-like included
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
            ratio = mean["autoencoder"] / min(mean[m] for m in SIMPLE)
            best = min(mean[m] for m in BASELINES if scores[m])
            ratio_mf = mean["autoencoder"] / best
            group = "tuned" if name in TUNED else "held out"
            group += ", sklearn" if name in SKLEARN_SETS else ", adbench"
            ratios.setdefault((f"{mechanism} {rate:g}", group), []).append(ratio)
            if run_mf:
                key = (f"{mechanism} {rate:g}", group)
                ratios_mf.setdefault(key, []).append(ratio_mf)
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
                f"{ratio_mf:.3f} | {spent['autoencoder']:.1f} / {mf_time} |",
                flush=True,
            )

    for title, table in (
        (f"the best of mean, knn and iterative (target <= {TABLE_TARGET:.2f})", ratios),
        ("the best baseline, missforest included (where it ran)", ratios_mf),
    ):
        if not table:
            continue
        print(f"\nGeometric mean of RMSE(autoencoder) / RMSE of {title}, worst set:\n")
        print("| case | sets | n | geometric mean | worst |")
        print("|---|---|---:|---:|---:|")
        for (case, group), values in sorted(table.items()):
            print(
                f"| {case} | {group} | {len(values)} | {geomean(values):.3f} "
                f"| {max(values):.3f} |"
            )
        everything = {}
        for (case, _), values in table.items():
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


def geomean(values):
    return float(np.exp(np.mean(np.log(values)))) if values else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["all"],
        help="set names, or 'sklearn', 'adbench', 'images', 'all' (default)",
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

    sets, image_sets = [], []
    for entry in args.sets:
        if entry in ("sklearn", "all"):
            sets += SKLEARN_SETS
        if entry in ("adbench", "all"):
            sets += ADBENCH_SETS
        if entry in ("images", "all"):
            image_sets += IMAGE_SETS
        if entry in IMAGE_SETS:
            image_sets.append(entry)
        elif entry not in ("sklearn", "adbench", "images", "all"):
            sets.append(entry)
    present = [s for s in image_sets if (images_dir(args.data) / f"{s}.npz").exists()]
    if len(present) < len(image_sets):
        print(
            f"skipped (no images in {images_dir(args.data)}): "
            f"{', '.join(sorted(set(image_sets) - set(present)))}"
        )
    available = [
        s for s in sets if s in SKLEARN_SETS or (args.data / f"{s}.npz").exists()
    ]
    missing = sorted(set(sets) - set(available))
    if missing:
        print(f"skipped (no data in {args.data}): {', '.join(missing)}")
    cases = [(c.split(":")[0], float(c.split(":")[1])) for c in args.cases]

    if available:
        run_tables(available, cases, args)
    if present:
        run_images(present, args.seeds, args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
