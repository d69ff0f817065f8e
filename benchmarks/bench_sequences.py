"""Window-level anomaly detection on NAB series: recurrent AE vs dense AE vs
IsolationForest, all scoring the same sliding windows.

Each series (``../shared/data/timeseries``, NAB ``realKnownCause``) is
standardised and cut into windows of ``WINDOW`` steps, ``step`` chosen so that
a series gives at most ``MAX_WINDOWS`` windows. A window is anomalous when it
overlaps one of NAB's labelled anomaly windows. Every model is fitted on all
windows of the series (unsupervised, anomalies included) and scores them;
the table shows the ROC-AUC of each model per series and the mean.

Detectors: ``AutoencoderOutlierDetector`` with ``network="recurrent"`` (an
ensemble of LSTM autoencoders), the same detector with its default dense
network, and IsolationForest; each scores with ``-score_samples``. Fit
times are wall seconds on a shared CPU with one torch thread: noisy.
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

from sklearn_ae import AutoencoderOutlierDetector, Recurrent, sliding_windows

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


def detectors(window, max_iter, seed=0):
    """The detectors compared (settings fixed a priori, not tuned on NAB).

    The recurrent detector gets a higher learning rate and larger batches
    than the defaults: LSTMs from a random start learn slowly at 1e-3.
    """
    return {
        "recurrent detector": AutoencoderOutlierDetector(
            network=Recurrent(cell="lstm"),
            input_shape=(window, 1),
            hidden_layer_sizes=(32,),
            learning_rate_init=1e-2,
            batch_size=128,
            max_iter=max_iter,
            random_state=seed,
        ),
        "dense detector": AutoencoderOutlierDetector(
            max_iter=max_iter, random_state=seed
        ),
        "IsolationForest": IsolationForest(random_state=seed),
    }


def score_all(X, max_iter, seed=0):
    """Anomaly scores (higher = more anomalous) of every method, and fit times."""
    scores, seconds = {}, {}
    for name, model in detectors(X.shape[1], max_iter, seed).items():
        start = time.perf_counter()
        model.fit(X)
        seconds[name] = time.perf_counter() - start
        scores[name] = -model.score_samples(X)
    return scores, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 epochs")
    parser.add_argument("--max-iter", type=int, default=30, help="epochs")
    parser.add_argument("--seed", type=int, default=0, help="random_state")
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
        scores, seconds = score_all(X, max_iter, seed=args.seed)
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
        f"steps, detectors trained {max_iter} epochs, seed {args.seed}; every "
        "model is fitted "
        "on all windows of a series and scores them.\n"
    )
    pd.set_option("display.width", 200)
    short = table.rename(index=lambda n: n.split("_system")[0].split("_asg")[0])
    print(short.to_string(float_format=lambda v: f"{v:.3f}"))
    print("\nmean ROC-AUC over the 5 series:")
    print(table[methods].mean().to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
