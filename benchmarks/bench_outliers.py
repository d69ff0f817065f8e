"""Outlier detection ROC-AUC on the ADBench sets, against the usual baselines.

ADBench protocol, unsupervised: for every ``.npz`` in the data folder,
``StandardScaler`` on all of X, fit on all of X (labels unused), score all of
X, ROC-AUC with y=1 the anomalies, over several seeds. Methods, all with their
defaults:

- ``AutoencoderOutlierDetector`` (this package);
- ``IsolationForest`` and ``LocalOutlierFactor`` (scikit-learn);
- PCA reconstruction error: squared distance to the PCA subspace that keeps
  90% of the variance;
- PyOD's ``AutoEncoder``, when ``pyod`` is installed (``pip install -e
  ".[bench]"`` from the source tree); skipped otherwise.

Prints the ROC-AUC and fit time of every method on every set as it goes, then
the mean per method. Timings are wall-clock on however many threads torch and
the BLAS libraries are given (``--threads``, default 1) and are noisy on a
shared machine: the summary also gives the CPU time of the fits (the
process's), which a busy machine inflates less. The total fit time is the sum
over the sets of the mean fit time over the seeds.

Then two synthetic wide sets (``--no-wide`` skips them), with the same
protocol, to show that the cost grows linearly with the number of features:

- ``ads-like`` (1,966 x 1,555, shaped like ADBench's internetads): sparse
  binary rows from 6 groups, each switching on its own 3% of the features;
  40 planted outliers switch on features independently, at three times their
  average rate (the groups' structure broken);
- ``lowrank`` (200 x 8,000): a rank-10 signal plus noise; 5 planted outliers
  are Gaussian noise of the same per-feature spread, off the signal's
  subspace.

    python benchmarks/bench_outliers.py            # all sets, 3 seeds
    python benchmarks/bench_outliers.py --quick    # 4 sets, 1 seed
    python benchmarks/bench_outliers.py --data /path/to/adbench --seeds 0 1
    python benchmarks/bench_outliers.py --methods "AE detector" IsolationForest
    python benchmarks/bench_outliers.py --large-only   # the large sets alone

Then the large sets (``--no-large`` skips them; ``--large-only`` runs them
alone), one seed, the detector against IsolationForest only, fit and scoring
timed apart (CPU seconds, with the wall-clock beside), scoring every row:
ADBench's shuttle (49,097 x 9) and two synthetic sets of 200,000 and
1,000,000 rows x 20 features near a 5-dimensional curved manifold, 0.5% of the
rows planted outliers (each either off the manifold, Gaussian noise of the
same per-feature spread, or on it but far out, its latent values tripled). It
prints the detector's total time as a ratio to IsolationForest's (target
<= 5x) and the ROC-AUC difference (target >= +0.02 on average).

The data folder defaults to ``../shared/data/adbench`` beside the repository,
or ``$SKLEARN_AE_DATA/adbench``.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_ae import AutoencoderOutlierDetector

QUICK_SETS = ("glass", "cardio", "thyroid", "annthyroid")


def default_data_dir():
    if os.environ.get("SKLEARN_AE_DATA"):
        return Path(os.environ["SKLEARN_AE_DATA"]) / "adbench"
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "adbench"


def ads_like(seed=0, n=1966, n_features=1555, n_groups=6, n_outliers=40):
    """Sparse binary rows from groups, plus outliers with the groups broken."""
    rng = np.random.RandomState(seed)
    on = rng.rand(n_groups, n_features) < 0.03
    profiles = np.where(on, rng.uniform(0.3, 0.9, on.shape), 0.005)
    X = (rng.rand(n, n_features) < profiles[rng.randint(n_groups, size=n)]) * 1.0
    rate = np.clip(3 * X.mean(axis=0), 0, 1)
    X[:n_outliers] = rng.rand(n_outliers, n_features) < rate
    y = np.zeros(n, dtype=int)
    y[:n_outliers] = 1
    return X, y


def lowrank(seed=0, n=200, n_features=8000, rank=10, n_outliers=5):
    """A low-rank signal plus noise, plus Gaussian rows off its subspace."""
    rng = np.random.RandomState(seed)
    W = rng.normal(size=(rank, n_features)) / np.sqrt(rank)
    X = rng.normal(size=(n, rank)) @ W + 0.3 * rng.normal(size=(n, n_features))
    X[:n_outliers] = rng.normal(size=(n_outliers, n_features)) * X.std(axis=0)
    y = np.zeros(n, dtype=int)
    y[:n_outliers] = 1
    return X, y


WIDE_SETS = {"ads-like": ads_like, "lowrank": lowrank}


def manifold(n, seed=0, n_features=20, rank=5, outlier_share=0.005):
    """Rows near a curved low-dimensional manifold, plus planted outliers."""
    rng = np.random.RandomState(seed)
    mixing = rng.normal(size=(rank, n_features)) / np.sqrt(rank)
    latent = rng.normal(size=(n, rank))
    n_out = int(n * outlier_share)
    latent[n_out // 2 : n_out] *= 3.0  # on the manifold, far out
    X = np.tanh(latent @ mixing) + 0.05 * rng.normal(size=(n, n_features))
    X[: n_out // 2] = rng.normal(size=(n_out // 2, n_features)) * X.std(axis=0)
    y = np.zeros(n, dtype=int)
    y[:n_out] = 1
    order = rng.permutation(n)
    return X[order], y[order]


def run_large(sets, seed=0):
    """Fit and scoring times apart, the detector beside IsolationForest."""
    print()
    print(
        "Large sets, seed 0: ROC-AUC, fit and score_samples of every row "
        "(CPU seconds; wall-clock in brackets)"
    )
    print(
        f"{'dataset':10s} {'rows':>8s} {'feat':>4s} | {'AE AUC':>6s} "
        f"{'AE fit':>13s} {'AE score':>13s} | {'IF AUC':>6s} {'IF fit':>12s} "
        f"{'IF score':>12s} | {'ratio':>5s}"
    )
    totals = {"AE": 0.0, "IF": 0.0}
    gains = []
    for name, X, y in sets:
        X = StandardScaler().fit_transform(X)
        line = f"{name:10s} {X.shape[0]:8d} {X.shape[1]:4d} |"
        total = {}
        aucs = {}
        for label, model in (
            ("AE", AutoencoderOutlierDetector(random_state=seed)),
            ("IF", IsolationForest(random_state=seed)),
        ):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wall, cpu = time.perf_counter(), time.process_time()
                model.fit(X)
                fit = (time.process_time() - cpu, time.perf_counter() - wall)
                wall, cpu = time.perf_counter(), time.process_time()
                scores = model.score_samples(X)
                score = (time.process_time() - cpu, time.perf_counter() - wall)
            aucs[label] = roc_auc_score(y, -scores)
            total[label] = fit[0] + score[0]
            totals[label] += total[label]
            width = 13 if label == "AE" else 12
            line += f" {aucs[label]:6.3f}"
            for c, w in (fit, score):
                line += f" {f'{c:.1f} ({w:.1f})':>{width}s}"
            line += " |"
        gains.append(aucs["AE"] - aucs["IF"])
        line += f" {total['AE'] / total['IF']:5.1f}"
        print(line, flush=True)
    ratio = totals["AE"] / totals["IF"]
    gain = float(np.mean(gains))
    print(
        f"total CPU time: detector {totals['AE']:.1f} s, IsolationForest "
        f"{totals['IF']:.1f} s: {ratio:.1f}x; target <= 5x: "
        f"{'met' if ratio <= 5 else 'MISSED'}"
    )
    print(
        f"mean ROC-AUC difference (detector - IsolationForest): {gain:+.3f}; "
        f"target >= +0.02: {'met' if gain >= 0.02 else 'MISSED'}"
    )


# Each method: (X, seed) -> anomaly scores, higher = more anomalous. The fit
# (and, where fit computes them, the training scores) is what gets timed.
def autoencoder(X, seed):
    detector = AutoencoderOutlierDetector(random_state=seed)
    start, cpu = time.perf_counter(), time.process_time()
    detector.fit(X)
    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    return -detector.score_samples(X), elapsed


def isolation_forest(X, seed):
    forest = IsolationForest(random_state=seed)
    start, cpu = time.perf_counter(), time.process_time()
    forest.fit(X)
    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    return -forest.score_samples(X), elapsed


def local_outlier_factor(X, seed):
    start, cpu = time.perf_counter(), time.process_time()
    lof = LocalOutlierFactor().fit(X)
    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    return -lof.negative_outlier_factor_, elapsed


def pca_reconstruction(X, seed):
    start, cpu = time.perf_counter(), time.process_time()
    pca = PCA(n_components=0.9, random_state=seed).fit(X)
    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    residual = X - pca.inverse_transform(pca.transform(X))
    return (residual**2).sum(axis=1), elapsed


def pyod_autoencoder():
    """PyOD's AutoEncoder with its defaults (quiet), or None if not installed."""
    try:
        from pyod.models.auto_encoder import AutoEncoder
    except ImportError as exc:
        print(
            f"PyOD AutoEncoder skipped: {exc}. Install it with "
            '`pip install -e ".[bench]"` from the source tree.'
        )
        return None

    def method(X, seed):
        model = AutoEncoder(random_state=seed, verbose=0)
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(X)
        elapsed = (time.perf_counter() - start, time.process_time() - cpu)
        return model.decision_scores_, elapsed

    return method


def run_table(sets, methods, seeds, title):
    """Fit and score every method on every (name, X, y); print the table."""
    print()
    print(
        f"{title}: mean ROC-AUC over the seeds (mean fit time: wall-clock "
        "seconds, CPU seconds)"
    )
    print(
        f"{'dataset':12s} {'rows':>6s} {'feat':>5s}"
        + "".join(f" {name:>22s}" for name in methods)
    )
    aucs = {name: [] for name in methods}
    times = {name: [] for name in methods}
    cpus = {name: [] for name in methods}
    for name, X, y in sets:
        X = StandardScaler().fit_transform(X)
        line = f"{name:12s} {X.shape[0]:6d} {X.shape[1]:5d}"
        for method_name, method in methods.items():
            scores, elapsed, cpu = [], [], []
            for seed in seeds:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s, (t, c) = method(X, seed)
                scores.append(roc_auc_score(y, s))
                elapsed.append(t)
                cpu.append(c)
            aucs[method_name].append(np.mean(scores))
            times[method_name].append(np.mean(elapsed))
            cpus[method_name].append(np.mean(cpu))
            cell = f"{np.mean(scores):.3f} ({np.mean(elapsed):.1f}s"
            cell += f" {np.mean(cpu):.1f}c)"
            line += f" {cell:>22s}"
        print(line, flush=True)
    print(f"mean over {len(sets)} sets ({len(seeds)} seed(s) each):")
    for name in methods:
        print(
            f"  {name:18s} ROC-AUC {np.mean(aucs[name]):.3f}   "
            f"total fit time {np.sum(times[name]):6.1f} s "
            f"(CPU time {np.sum(cpus[name]):6.1f} s)"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", help="names, without .npz")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"one seed, sets {', '.join(QUICK_SETS)} (for fast checks)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-pyod", action="store_true", help="skip PyOD")
    parser.add_argument("--no-wide", action="store_true", help="skip the wide sets")
    parser.add_argument("--no-large", action="store_true", help="skip the large sets")
    parser.add_argument(
        "--large-only", action="store_true", help="run the large sets alone"
    )
    parser.add_argument(
        "--methods", nargs="+", help="names of the methods to run (default: all)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)

    files = sorted(args.data.glob("*.npz"), key=lambda p: p.stat().st_size)
    if not files:
        print(f"No .npz files in {args.data}: nothing to benchmark.")
        return 0
    seeds = args.seeds[:1] if args.quick else args.seeds
    names = args.datasets or (QUICK_SETS if args.quick else None)
    if names:
        files = [f for f in files if f.stem in names]

    methods = {
        "AE detector": autoencoder,
        "IsolationForest": isolation_forest,
        "LOF": local_outlier_factor,
        "PCA recon.": pca_reconstruction,
    }
    if args.methods is None or "PyOD AutoEncoder" in args.methods:
        pyod = None if args.no_pyod else pyod_autoencoder()
        if pyod is not None:
            methods["PyOD AutoEncoder"] = pyod
    if args.methods is not None:
        methods = {k: v for k, v in methods.items() if k in args.methods}

    print(f"data: {args.data}  seeds: {seeds}  threads: {args.threads}")
    # torch imports its compiler stack on the first optimizer step (seconds):
    # done here once, so that it is not counted in the first set's fit time.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        AutoencoderOutlierDetector(max_iter=1).fit(np.eye(8))
    if args.large_only:
        shuttle = args.data / "shuttle.npz"
        large = []
        if shuttle.exists():
            data = np.load(shuttle)
            large.append(("shuttle", data["X"], data["y"]))
        large += [(f"manifold{n // 1000}k", *manifold(n)) for n in (200_000, 1_000_000)]
        run_large(large)
        return 0
    sets = []
    for path in files:
        data = np.load(path)
        sets.append((path.stem, data["X"], data["y"]))
    run_table(sets, methods, seeds, "ADBench")
    if not args.no_wide and not args.quick:
        wide = [(name, *make()) for name, make in WIDE_SETS.items()]
        run_table(wide, methods, seeds, "synthetic wide")
    if not args.no_large and not args.quick:
        return main([*(argv or sys.argv[1:]), "--large-only"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
