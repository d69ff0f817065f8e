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
the mean per method. Timings are wall-clock on however many threads torch is
given (``--threads``, default 1) and are noisy on a shared machine.

    python benchmarks/bench_outliers.py            # all sets, 3 seeds
    python benchmarks/bench_outliers.py --quick    # 4 sets, 1 seed
    python benchmarks/bench_outliers.py --data /path/to/adbench --seeds 0 1

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

from sklearn_ae import AutoencoderOutlierDetector

QUICK_SETS = ("glass", "cardio", "thyroid", "annthyroid")


def default_data_dir():
    if os.environ.get("SKLEARN_AE_DATA"):
        return Path(os.environ["SKLEARN_AE_DATA"]) / "adbench"
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "adbench"


# Each method: (X, seed) -> anomaly scores, higher = more anomalous. The fit
# (and, where fit computes them, the training scores) is what gets timed.
def autoencoder(X, seed):
    detector = AutoencoderOutlierDetector(random_state=seed)
    start = time.perf_counter()
    detector.fit(X)
    elapsed = time.perf_counter() - start
    return -detector.score_samples(X), elapsed


def isolation_forest(X, seed):
    forest = IsolationForest(random_state=seed)
    start = time.perf_counter()
    forest.fit(X)
    elapsed = time.perf_counter() - start
    return -forest.score_samples(X), elapsed


def local_outlier_factor(X, seed):
    start = time.perf_counter()
    lof = LocalOutlierFactor().fit(X)
    elapsed = time.perf_counter() - start
    return -lof.negative_outlier_factor_, elapsed


def pca_reconstruction(X, seed):
    start = time.perf_counter()
    pca = PCA(n_components=0.9, random_state=seed).fit(X)
    elapsed = time.perf_counter() - start
    residual = X - pca.inverse_transform(pca.transform(X))
    return (residual**2).sum(axis=1), elapsed


def pyod_autoencoder():
    """PyOD's AutoEncoder with its defaults (quiet), or None if not installed."""
    try:
        from pyod.models.auto_encoder import AutoEncoder
    except ImportError as exc:
        print(
            f"PyOD AutoEncoder skipped: {exc}. Install it with "
            "`pip install -e \".[bench]\"` from the source tree."
        )
        return None

    def method(X, seed):
        model = AutoEncoder(random_state=seed, verbose=0)
        start = time.perf_counter()
        model.fit(X)
        elapsed = time.perf_counter() - start
        return model.decision_scores_, elapsed

    return method


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
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

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
    pyod = None if args.no_pyod else pyod_autoencoder()
    if pyod is not None:
        methods["PyOD AutoEncoder"] = pyod

    print(f"data: {args.data}  seeds: {seeds}  torch threads: {args.threads}")
    print("cells: mean ROC-AUC over the seeds (mean fit time in seconds)")
    print(
        f"{'dataset':12s} {'rows':>6s} {'feat':>4s}"
        + "".join(f" {name:>18s}" for name in methods)
    )
    aucs = {name: [] for name in methods}
    times = {name: [] for name in methods}
    for path in files:
        data = np.load(path)
        X = StandardScaler().fit_transform(data["X"])
        y = data["y"]
        line = f"{path.stem:12s} {X.shape[0]:6d} {X.shape[1]:4d}"
        for name, method in methods.items():
            scores, elapsed = [], []
            for seed in seeds:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s, t = method(X, seed)
                scores.append(roc_auc_score(y, s))
                elapsed.append(t)
            aucs[name].append(np.mean(scores))
            times[name].append(np.mean(elapsed))
            cell = f"{np.mean(scores):.3f} ({np.mean(elapsed):.1f}s)"
            line += f" {cell:>18s}"
        print(line, flush=True)

    print()
    print(f"mean over {len(files)} sets ({len(seeds)} seed(s) each):")
    for name in methods:
        print(
            f"  {name:18s} ROC-AUC {np.mean(aucs[name]):.3f}   "
            f"total fit time {np.sum(times[name]):6.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
