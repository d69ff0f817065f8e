"""Held-out reconstruction error: AutoencoderTransformer against PCA.

Issue 13, item 1 ("never worse than PCA on held-out rows"). For every set:
70/30 split (seed 0), a scaler fitted on the training part (``StandardScaler``;
digits are divided by 16 instead), then PCA and ``AutoencoderTransformer``
(defaults, only ``n_components`` set, ``random_state=0``) fitted on the
training rows; the test MSE of each, ``mean((X_test - inverse_transform(
transform(X_test))) ** 2)``, and the ratio autoencoder / PCA. Sets:

- scikit-learn's wine, breast_cancer, diabetes and iris, at k = 2 and 4;
- the 12 ADBench sets (``../shared/data/adbench``, labels ignored, at most
  3,000 rows sampled with seed 0), at k = 2 and 4; skipped when the folder is
  absent. Six of them (``TUNE_SETS``) were used to choose the defaults, the
  other six (``HELD_OUT_SETS``) are reported apart, as data nobody tuned on;
- digits (/16) at k = 2, 8 and 16;
- three generated noise-dominated tables (issue 24, 1a), standardised, at
  k = 2 and 4: a rank-3 linear signal under isotropic noise of twice its
  scale (3,000 x 21), pure Gaussian noise (3,000 x 21), and a curved 2-D
  surface under noise (4,000 x 30). On the first two no non-linear structure
  exists to find: a network can only fit the training rows' noise.

Prints one row per (set, k) as it goes, then the worst ratio, digits k=8 and
a "target met" line (no ratio above 1.00 and digits k=8 <= 0.50; a ratio
within 0.001 of 1 counts as 1: the PCA start restored in float32). Fit times
are wall-clock on ``--threads`` torch threads and are noisy on a shared
machine.

    python benchmarks/bench_reconstruction.py                  # everything
    python benchmarks/bench_reconstruction.py --groups sklearn digits
    python benchmarks/bench_reconstruction.py --groups noise
    python benchmarks/bench_reconstruction.py --datasets wine glass --k 2
    python benchmarks/bench_reconstruction.py --param max_iter=50   # AE options
    python benchmarks/bench_reconstruction.py --minmax   # tabular sets in [0, 1]

``--param name=value`` (repeatable) passes extra keyword arguments to the
autoencoder, to compare a candidate default with the current one; values are
read as Python literals when they parse (``alpha=1e-4``,
``early_stopping=True``), else as strings (``learning_rate=cosine``).
"""

import argparse
import ast
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn import datasets as skdata
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_ae import AutoencoderTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir  # noqa: E402

SKLEARN_SETS = ("wine", "breast_cancer", "diabetes", "iris")
# ADBench sets split in two, alternating by size: defaults were tuned on the
# first six; the second six are a held-out check.
TUNE_SETS = ("glass", "breastw", "cardio", "thyroid", "pendigits", "mammography")
HELD_OUT_SETS = ("ionosphere", "letter", "musk", "satimage-2", "annthyroid", "shuttle")
MAX_ROWS = 3000
TARGET_RATIO = 1.00
TARGET_DIGITS_K8 = 0.50
# A ratio counts as above the target beyond this margin: restoring the PCA
# start in float32 gives 1.0000x, not exactly 1.
MARGIN = 1e-3


def parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def sklearn_set(name):
    loader = getattr(skdata, f"load_{name}")
    return loader(return_X_y=True)[0].astype(np.float64)


def adbench_set(path):
    X = np.load(path)["X"].astype(np.float64)
    if len(X) > MAX_ROWS:
        rows = np.sort(np.random.RandomState(0).choice(len(X), MAX_ROWS, replace=False))
        X = X[rows]
    return X


def noise_set(name):
    """A generated noise-dominated table (seed 0); see the module docstring."""
    rng = np.random.RandomState(0)
    if name == "lowrank-noise":
        signal = rng.randn(3000, 3) @ rng.randn(3, 21)
        return signal + 2.0 * rng.randn(3000, 21)
    if name == "pure-noise":
        return rng.randn(3000, 21)
    t = rng.uniform(-2, 2, (4000, 2))
    surface = np.c_[t, np.sin(2 * t), np.cos(t), t[:, :1] * t[:, 1:]]
    return surface @ rng.randn(surface.shape[1], 30) + 1.5 * rng.randn(4000, 30)


NOISE_SETS = ("lowrank-noise", "pure-noise", "curved-noise")


def cases(groups, names, ks, data):
    """(group, name, loader, scaling, ks) for every selected set."""
    out = []
    if "sklearn" in groups:
        for name in SKLEARN_SETS:
            out.append(("sklearn", name, lambda n=name: sklearn_set(n), "std", (2, 4)))
    if "adbench" in groups:
        if not data.is_dir():
            print(f"ADBench skipped: {data} not found")
        else:
            for name in TUNE_SETS + HELD_OUT_SETS:
                path = data / f"{name}.npz"
                if not path.exists():
                    print(f"ADBench {name} skipped: {path} not found")
                    continue
                group = "adbench-tune" if name in TUNE_SETS else "adbench-held-out"
                out.append((group, name, lambda p=path: adbench_set(p), "std", (2, 4)))
    if "digits" in groups:
        out.append(
            (
                "digits",
                "digits",
                lambda: skdata.load_digits(return_X_y=True)[0] / 16.0,
                "none",
                (2, 8, 16),
            )
        )
    if "noise" in groups:
        for name in NOISE_SETS:
            out.append(("noise", name, lambda n=name: noise_set(n), "std", (2, 4)))
    if names:
        out = [c for c in out if c[1] in names]
    if ks:
        out = [
            (g, n, load, s, tuple(k for k in kk if k in ks))
            for g, n, load, s, kk in out
        ]
    return [c for c in out if c[4]]


def split(X, scaling):
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
    if scaling != "none":
        scaler = (MinMaxScaler() if scaling == "minmax" else StandardScaler()).fit(
            X_train
        )
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return X_train, X_test


def test_mse(model, X_test):
    return float(
        np.mean((X_test - model.inverse_transform(model.transform(X_test))) ** 2)
    )


def run_case(X_train, X_test, k, params):
    start = time.perf_counter()
    pca = PCA(n_components=k, random_state=0).fit(X_train)
    pca_time = time.perf_counter() - start
    pca_err = test_mse(pca, X_test)
    ae = AutoencoderTransformer(n_components=k, random_state=0, **params)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae.fit(X_train)
    ae_time = time.perf_counter() - start
    ae_err = test_mse(ae, X_test)
    return pca_err, pca_time, ae_err, ae_time, ae.n_iter_


def summary(title, rows):
    if not rows:
        return
    ratios = np.array([r[2] for r in rows])
    worst = rows[int(np.argmax(ratios))]
    print(
        f"  {title:<18} {len(rows):>2} cases: worst {worst[2]:.3f} "
        f"({worst[0]} k={worst[1]}), "
        f"geometric mean {np.exp(np.mean(np.log(ratios))):.3f}, "
        f"{int((ratios > TARGET_RATIO + MARGIN).sum())} above {TARGET_RATIO:.2f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--groups",
        nargs="+",
        choices=["sklearn", "adbench", "digits", "noise"],
        default=["sklearn", "adbench", "digits", "noise"],
    )
    parser.add_argument("--datasets", nargs="+", help="only these set names")
    parser.add_argument("--k", type=int, nargs="+", help="only these n_components")
    parser.add_argument(
        "--data", type=Path, default=data_dir() / "adbench", help="ADBench folder"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra AutoencoderTransformer keyword argument (repeatable)",
    )
    parser.add_argument(
        "--minmax",
        action="store_true",
        help="scale the tabular sets to [0, 1] with MinMaxScaler (fitted on the "
        "training part) instead of standardising them: a check for options "
        "that depend on the data's range",
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    params = {}
    for item in args.param:
        name, _, value = item.partition("=")
        params[name] = parse_value(value)
    label = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "defaults"
    scaled = "MinMaxScaler" if args.minmax else "StandardScaler"
    print(
        f"AutoencoderTransformer({label}, random_state=0) vs PCA: test MSE, 70/30, "
        f"tabular sets through {scaled}"
    )
    print(
        f"  {'group':<16} {'set':<14} {'rows':>5} {'cols':>4} {'k':>3} "
        f"{'PCA MSE':>9} {'AE MSE':>9} {'ratio':>6} {'epochs':>6} "
        f"{'PCA s':>6} {'AE s':>6}"
    )
    results = []
    exact = []  # cases with k >= n_features
    total = time.perf_counter()
    for group, name, load, scaling, ks in cases(
        args.groups, args.datasets, args.k, args.data
    ):
        if args.minmax and scaling == "std":
            scaling = "minmax"
        X_train, X_test = split(load(), scaling)
        for k in ks:
            pca_err, pca_time, ae_err, ae_time, epochs = run_case(
                X_train, X_test, k, params
            )
            if k >= X_train.shape[1]:
                # PCA is exact (test MSE ~ 0): a ratio means nothing; the
                # autoencoder only has to be exact too.
                exact.append((name, k, ae_err))
                ratio_text = "   n/a"
            else:
                ratio = ae_err / pca_err
                results.append((group, name, k, ratio))
                ratio_text = f"{ratio:>6.3f}"
            print(
                f"  {group:<16} {name:<14} {len(X_train) + len(X_test):>5} "
                f"{X_train.shape[1]:>4} {k:>3} {pca_err:>9.4f} {ae_err:>9.4f} "
                f"{ratio_text} {epochs:>6} {pca_time:>6.2f} {ae_time:>6.1f}",
                flush=True,
            )
    if not results:
        print("no ratio to report")
        return
    print(
        f"\nsummary ({time.perf_counter() - total:.0f} s), ratio = AE test MSE / PCA's"
    )
    for group in ("sklearn", "adbench-tune", "adbench-held-out", "digits", "noise"):
        summary(group, [(n, k, r) for g, n, k, r in results if g == group])
    summary("all", [(n, k, r) for g, n, k, r in results])
    worst = max(results, key=lambda r: r[3])
    print(f"worst ratio: {worst[3]:.3f} ({worst[1]} k={worst[2]})")
    digits8 = [r[3] for r in results if r[1] == "digits" and r[2] == 8]
    if digits8:
        print(f"digits k=8: {digits8[0]:.3f}x PCA's test MSE")
    for name, k, err in exact:
        print(f"{name} k={k}: k >= n_features, PCA exact; AE test MSE {err:.2e}")
    ok = worst[3] <= TARGET_RATIO + MARGIN and all(
        r <= TARGET_DIGITS_K8 for r in digits8
    )
    scope = "" if digits8 else " (digits k=8 not run)"
    print(
        f"target met: {'yes' if ok else 'no'}{scope} (no ratio above "
        f"{TARGET_RATIO:.2f}, digits k=8 <= {TARGET_DIGITS_K8:.2f})"
    )


if __name__ == "__main__":
    main()
