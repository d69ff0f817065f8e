"""Semi-supervised accuracy: AutoencoderClassifier against the usual baselines.

Protocol:

- **digits** (``load_digits`` / 16): a 70/30 stratified split (seed 0); N
  labelled training rows drawn per class (N/10 each, by the run's seed),
  every other training row unlabelled (``y == -1``); N = 50 and 100.
- **mnist** (``../shared/data/images/mnist.npz``): the first 20,000 training
  images / 255, 1,000 of them labelled (100 per class, by the run's seed),
  scored on the 10,000 test images.
- **fashion** (``../shared/data/images/fashion_mnist.npz``): the same
  protocol on Fashion-MNIST, where a nearest-neighbour graph of the images
  (or of their codes) labels less well than a supervised fit of the
  labelled rows.
- **heldout** (not part of ``all``; nobody tuned on these): ``load_wine``
  and ``load_breast_cancer``, standardised on a 60/40 stratified split
  (seed 0), 5 labels per class (and 20 for breast cancer); and CIFAR-10
  (``../shared/data/images/cifar10_train4k_lossless.npz`` / 255, the
  first 3,000 images for training with 50 labels per class, the last
  1,000 for testing).

Methods, all in the same run:

- ``AutoencoderClassifier`` (this package, defaults; ``random_state`` = seed);
- ``LogisticRegression``, ``MLPClassifier()`` and ``MLPClassifier((256,))``
  on the labelled rows only (the supervised baselines);
- ``PCA(32)`` fitted on every training row, then ``LogisticRegression`` on
  the labelled rows' components;
- ``LabelSpreading(kernel="knn", n_neighbors=7)`` and
  ``SelfTrainingClassifier(LogisticRegression())`` on every training row.

Prints test accuracy (mean and standard deviation over the seeds) and fit
time of each method, as a Markdown table, then for each task the
autoencoder's margin to the best supervised baseline (the most accurate
method of the labelled rows alone) and to the best baseline of all: of the
means, and the smallest over the seeds (each seed against the best baseline
of that seed), and whether the targets are met on every seed: the margin
to the best supervised baseline is >= 0 on every task; on fashion the
margin to every baseline run is > 0. Torch runs on
``--threads`` threads (default 1); timings are wall-clock and noisy on a
shared machine.

    python benchmarks/bench_semisupervised.py                 # every part, 3 seeds
    python benchmarks/bench_semisupervised.py --part digits
    python benchmarks/bench_semisupervised.py --part fashion --seeds 0
    python benchmarks/bench_semisupervised.py --part fashion --methods MLP Spreading
    python benchmarks/bench_semisupervised.py --part heldout --seeds 0 1 2 3 4 \
        --methods "MLPClassifier(256"

The data folder defaults to ``../shared/data`` beside the repository, or
``$SKLEARN_AE_DATA``.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier

from sklearn_ae import AutoencoderClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir  # noqa: E402


class _LabelledOnly:
    """Fit ``estimator`` on the labelled rows alone."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        rows = y != -1
        self.estimator.fit(X[rows], y[rows])
        return self

    def score(self, X, y):
        return self.estimator.score(X, y)


class _PCAThenLogReg:
    """PCA(32) on every row, logistic regression on the labelled rows."""

    def fit(self, X, y):
        self.pca = PCA(32, random_state=0).fit(X)
        rows = y != -1
        self.clf = LogisticRegression(max_iter=1000).fit(
            self.pca.transform(X[rows]), y[rows]
        )
        return self

    def score(self, X, y):
        return self.clf.score(self.pca.transform(X), y)


def methods(seed):
    return {
        "AutoencoderClassifier": AutoencoderClassifier(random_state=seed),
        "LogisticRegression (labelled)": _LabelledOnly(
            LogisticRegression(max_iter=1000)
        ),
        "MLPClassifier (labelled)": _LabelledOnly(
            MLPClassifier(max_iter=500, random_state=seed)
        ),
        "MLPClassifier(256) (labelled)": _LabelledOnly(
            MLPClassifier((256,), max_iter=500, random_state=seed)
        ),
        "PCA(32) + LogisticRegression": _PCAThenLogReg(),
        "LabelSpreading(knn, 7)": LabelSpreading(kernel="knn", n_neighbors=7),
        "SelfTraining(LogisticRegression)": SelfTrainingClassifier(
            LogisticRegression(max_iter=1000)
        ),
    }


def few_labels(y, per_class, seed):
    """``y`` with ``per_class`` rows of each class labelled, -1 elsewhere."""
    rng = np.random.RandomState(seed)
    partial = np.full_like(y, -1)
    for c in np.unique(y):
        partial[rng.choice(np.flatnonzero(y == c), per_class, replace=False)] = c
    return partial


def digits_tasks():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.3, stratify=y, random_state=0
    )
    for n_labels in (50, 100):
        yield (
            f"digits, {n_labels} labels",
            X_train,
            y_train,
            X_test,
            y_test,
            n_labels // 10,
        )


def image_tasks(folder, name):
    """The first 20,000 training images, 1,000 labels, the 10,000 test images."""
    path = Path(folder) / "images" / f"{name}.npz"
    if not path.exists():
        print(f"skipping {name}: {path} not found", file=sys.stderr)
        return
    with np.load(path) as data:
        X_train = data["X_train"][:20_000].reshape(20_000, -1) / 255.0
        y_train = data["y_train"][:20_000].astype(np.int64)
        X_test = data["X_test"].reshape(len(data["X_test"]), -1) / 255.0
        y_test = data["y_test"].astype(np.int64)
    short = name.replace("_", "-")
    yield f"{short} 20k, 1,000 labels", X_train, y_train, X_test, y_test, 100


def heldout_tasks(folder):
    """Sets nobody tuned on: two small tables and a CIFAR-10 subset."""
    for name, load, counts in [
        ("wine", load_wine, (5,)),
        ("breast cancer", load_breast_cancer, (5, 20)),
    ]:
        X, y = load(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.4, stratify=y, random_state=0
        )
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        for per_class in counts:
            label = f"{name}, {per_class} labels per class"
            yield label, X_train, y_train, X_test, y_test, per_class
    path = Path(folder) / "images" / "cifar10_train4k_lossless.npz"
    if not path.exists():
        print(f"skipping cifar-10: {path} not found", file=sys.stderr)
        return
    with np.load(path) as data:
        X = data["X_train"].reshape(len(data["X_train"]), -1) / 255.0
        y = data["y_train"].astype(np.int64)
    yield "cifar-10 3k, 500 labels", X[:3000], y[:3000], X[3000:], y[3000:], 50


def run(tasks, seeds, chosen=None):
    rows = []
    for name, X_train, y_train, X_test, y_test, per_class in tasks:
        results = {}
        for seed in seeds:
            y_partial = few_labels(y_train, per_class, seed)
            for method, estimator in methods(seed).items():
                wanted = [*chosen, "AutoencoderClassifier"] if chosen else [method]
                if not any(c in method for c in wanted):
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.perf_counter()
                    estimator.fit(X_train, y_partial)
                    elapsed = time.perf_counter() - start
                accuracy = estimator.score(X_test, y_test)
                results.setdefault(method, []).append((accuracy, elapsed))
                print(
                    f"{name} seed {seed} {method}: {accuracy:.3f} ({elapsed:.1f} s)",
                    file=sys.stderr,
                    flush=True,
                )
        rows.append((name, {m: np.array(v) for m, v in results.items()}))
    return rows


def margins(results, baselines):
    """The autoencoder's accuracy minus the best of ``baselines``: of the
    means, and the smallest over the seeds (each seed's best baseline)."""
    ours = results["AutoencoderClassifier"][:, 0]
    theirs = np.array([results[m][:, 0] for m in baselines])
    best = theirs.mean(axis=1).argmax()
    worst = (ours - theirs.max(axis=0)).min()
    return ours.mean() - theirs[best].mean(), baselines[best], worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part",
        choices=["digits", "mnist", "fashion", "heldout", "all"],
        default="all",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--methods",
        nargs="+",
        default=None,
        help="run only the methods whose names contain one of these (the "
        "autoencoder is always run)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", default=None, help="folder holding images/*.npz")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    tasks = []
    if args.part in ("digits", "all"):
        tasks += list(digits_tasks())
    for name in ("mnist", "fashion"):
        if args.part in (name, "all"):
            file = {"fashion": "fashion_mnist"}.get(name, name)
            tasks += list(image_tasks(args.data or data_dir(), file))
    if args.part == "heldout":
        tasks += list(heldout_tasks(args.data or data_dir()))
    rows = run(tasks, args.seeds, args.methods)

    print(f"\nseeds {args.seeds}, torch threads {args.threads}\n")
    print("| task | method | accuracy | fit time (s) |")
    print("| --- | --- | --- | --- |")
    for name, results in rows:
        for method, values in results.items():
            mean, std = values[:, 0].mean(), values[:, 0].std()
            seconds = values[:, 1].mean()
            print(f"| {name} | {method} | {mean:.3f} ± {std:.3f} | {seconds:.1f} |")

    print("\nAutoencoderClassifier's margin (target: >= 0 to the best supervised")
    print("baseline on every task; > 0 to every baseline on fashion):\n")
    print(
        "| task | to the best supervised (mean; worst seed) | to every baseline "
        "(mean; worst seed) | target |"
    )
    print("| --- | --- | --- | --- |")
    for name, results in rows:
        others = [m for m in results if m != "AutoencoderClassifier"]
        supervised = [m for m in others if m.endswith("(labelled)")]
        if not supervised:
            continue
        mean_s, best_s, worst_s = margins(results, supervised)
        mean_a, best_a, worst_a = margins(results, others)
        target = f"supervised >= 0: {'met' if worst_s >= 0 else 'MISSED'}"
        if name.startswith("fashion"):
            target += f"; every > 0: {'met' if worst_a > 0 else 'MISSED'}"
        print(
            f"| {name} | {mean_s:+.3f} vs {best_s}; {worst_s:+.3f} "
            f"| {mean_a:+.3f} vs {best_a}; {worst_a:+.3f} | {target} |"
        )


if __name__ == "__main__":
    main()
