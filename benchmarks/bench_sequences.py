"""Window-level anomaly detection on NAB series: recurrent AE vs dense AE vs
IsolationForest, all scoring the same sliding windows.

Each series (``../shared/data/timeseries``, NAB ``realKnownCause``) is
standardised and cut into windows of ``WINDOW`` steps, ``step`` chosen so that
a series gives at most ``MAX_WINDOWS`` windows. A window is anomalous when it
overlaps one of NAB's labelled anomaly windows. Every model is fitted on all
windows of the series (unsupervised, anomalies included) and scores them;
the table shows the ROC-AUC of each model per series and the mean.

Autoencoder scores, two stand-ins until ``AutoencoderOutlierDetector`` is
merged: the reconstruction error of ``AutoencoderTransformer`` ("recon.
error"), and that error over its median plus the robust distance of the code
from the median code ("recon.+code", the shape of the detector's score).
IsolationForest scores with ``-score_samples``. Fit times are wall seconds
on a shared CPU with one torch thread: noisy.
Run: ``python benchmarks/bench_sequences.py [--quick] [--max-iter N]``.
"""

# License: BSD 3 clause

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import data_dir

from sklearn_ae import AutoencoderTransformer, sliding_windows

SERIES = [
    "ambient_temperature_system_failure",
    "cpu_utilization_asg_misconfiguration",
    "ec2_request_latency_system_failure",
    "machine_temperature_system_failure",
    "nyc_taxi",
]
WINDOW = 48
MAX_WINDOWS = 3000


def load_series(name, folder):
    """Standardised values and a per-step label (inside a NAB window)."""
    df = pd.read_csv(folder / f"{name}.csv", parse_dates=["timestamp"])
    with open(folder / "combined_windows.json") as f:
        windows = json.load(f)[f"realKnownCause/{name}.csv"]
    label = np.zeros(len(df), dtype=bool)
    for start, end in windows:
        label |= df.timestamp.between(pd.Timestamp(start), pd.Timestamp(end))
    values = df.value.to_numpy(dtype=np.float64)
    return df.timestamp, (values - values.mean()) / values.std(), label


def window_labels(step_labels, window, step, n_windows):
    """True for each window that overlaps a labelled step."""
    starts = np.arange(n_windows) * step
    counts = np.concatenate([[0], np.cumsum(step_labels)])
    return (counts[starts + window] - counts[starts]) > 0


def make_windows(name, folder, window=WINDOW, max_windows=MAX_WINDOWS):
    timestamps, values, step_labels = load_series(name, folder)
    step = max(1, int(np.ceil((len(values) - window + 1) / max_windows)))
    X = sliding_windows(values, window, step)
    y = window_labels(step_labels, window, step, len(X))
    return X, y, step


def detector_like_score(model, X):
    """Anomaly score from reconstruction and code, as the outlier detector does.

    A stand-in for ``AutoencoderOutlierDetector`` until it is merged: the
    squared reconstruction error of a row over its median across rows, plus
    the mean squared robust z-score of its code (distance from the median
    code), so that windows at unusual levels count even when reconstructed.
    """
    errors = -model.score_samples(X)
    codes = model.transform(X)
    center = np.median(codes, axis=0)
    scale = np.sqrt(np.mean((codes - center) ** 2, axis=0)) + 1e-12
    latent = np.mean(((codes - center) / scale) ** 2, axis=1)
    return errors / np.median(errors) + latent


def autoencoders(window, max_iter, seed=0):
    """The autoencoders compared (settings fixed a priori, not tuned on NAB)."""
    return {
        "recurrent": AutoencoderTransformer(
            n_components=4,
            network="recurrent",
            input_shape=(window, 1),
            cell="lstm",
            hidden_layer_sizes=(32,),
            learning_rate_init=1e-2,
            batch_size=128,
            max_iter=max_iter,
            random_state=seed,
        ),
        "dense": AutoencoderTransformer(
            n_components=4,
            hidden_layer_sizes=(64, 32),
            max_iter=max_iter,
            random_state=seed,
        ),
    }


def score_all(X, max_iter, seed=0):
    """Anomaly scores (higher = more anomalous) of every method, and fit times."""
    scores, seconds = {}, {}
    for kind, model in autoencoders(X.shape[1], max_iter, seed).items():
        start = time.perf_counter()
        model.fit(X)
        seconds[kind] = time.perf_counter() - start
        scores[f"{kind} AE, recon. error"] = -model.score_samples(X)
        scores[f"{kind} AE, recon.+code"] = detector_like_score(model, X)
    start = time.perf_counter()
    forest = IsolationForest(random_state=seed).fit(X)
    scores["IsolationForest"] = -forest.score_samples(X)
    seconds["IsolationForest"] = time.perf_counter() - start
    return scores, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 epochs")
    parser.add_argument("--max-iter", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    folder = data_dir() / "timeseries"
    if not folder.exists():
        sys.exit(f"No NAB data in {folder}; set SKLEARN_AE_DATA.")
    max_iter = 5 if args.quick else args.max_iter
    rows = []
    for name in SERIES:
        X, y, step = make_windows(name, folder)
        scores, seconds = score_all(X, max_iter)
        row = {"series": name, "windows": len(X), "step": step, "anomalous": y.mean()}
        row.update({method: roc_auc_score(y, s) for method, s in scores.items()})
        rows.append(row)
        print(
            f"{name}: fit seconds "
            + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()),
            flush=True,
        )
    table = pd.DataFrame(rows).set_index("series")
    methods = list(scores)
    print(
        f"\nWindow-level ROC-AUC on NAB realKnownCause, windows of {WINDOW} "
        f"steps, autoencoders trained {max_iter} epochs; every model is fitted "
        "on all windows of a series and scores them.\n"
    )
    pd.set_option("display.width", 200)
    print(table.T.to_string(float_format=lambda v: f"{v:.3f}"))
    print("\nmean ROC-AUC over the 5 series:")
    print(table[methods].mean().to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
