"""
=============================================
Anomalies in a time series, window by window
=============================================

An :class:`~sklearn_ae.AutoencoderOutlierDetector` with recurrent (LSTM)
autoencoders reads sliding windows of a sensor series and scores each one;
windows it cannot explain are the anomalies. The series is
NAB's ``machine_temperature_system_failure`` (an industrial machine's
temperature sensor, with four labelled failures), read from
``../shared/data/timeseries``; without it, a synthetic series with four
planted faults stands in. IsolationForest scores the same windows.
"""

# %%
# Windows of the series
# ---------------------
# :func:`~sklearn_ae.sliding_windows` cuts the series into windows of 48
# steps (4 hours at 5 minutes a step), one flat row per window, so the
# recurrent network fits in any scikit-learn pipeline. A window counts as
# anomalous when it overlaps one of NAB's labelled anomaly windows.
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from sklearn_ae import AutoencoderOutlierDetector, sliding_windows

# sphinx-gallery runs examples from this folder, without __file__.
here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
shared = here.parents[1] / "shared" / "data"
folder = Path(os.environ.get("SKLEARN_AE_DATA", shared)) / "timeseries"
name = "machine_temperature_system_failure"
if (folder / f"{name}.csv").exists():
    table = np.loadtxt(folder / f"{name}.csv", delimiter=",", skiprows=1, dtype=str)
    timestamps = table[:, 0].astype("datetime64[s]")
    values = table[:, 1].astype(float)
    with open(folder / "combined_windows.json") as f:
        labelled = [
            (np.datetime64(a, "s"), np.datetime64(b, "s"))
            for a, b in json.load(f)[f"realKnownCause/{name}.csv"]
        ]
else:  # a daily cycle with noise and four planted faults
    rng = np.random.RandomState(0)
    t0 = np.datetime64("2014-01-01T00:00")
    timestamps = t0 + np.arange(20_000) * np.timedelta64(5, "m")  # every 5 minutes
    values = 80 + 5 * np.sin(2 * np.pi * np.arange(20_000) / 288)
    values += rng.normal(scale=1.0, size=20_000)
    labelled = []
    for start in (3000, 8000, 12500, 17000):
        values[start : start + 300] -= np.linspace(0, 30, 300)
        labelled.append((timestamps[start - 200], timestamps[start + 500]))

window, step = 48, 12
series = (values - values.mean()) / values.std()
X = sliding_windows(series, window, step)
starts = np.arange(len(X)) * step
window_end = timestamps[starts + window - 1]
in_label = np.zeros(len(values), dtype=bool)
for a, b in labelled:
    in_label |= (timestamps >= a) & (timestamps <= b)
counts = np.concatenate([[0], np.cumsum(in_label)])
y = (counts[starts + window] - counts[starts]) > 0
print(f"{len(X)} windows of {window} steps, {y.mean():.0%} anomalous")

# %%
# Scoring the windows
# -------------------
# The detector trains an ensemble of three LSTM autoencoders of different
# code widths on all windows, failures included (no labels are used). A
# window's score combines its reconstruction error and the distance of its
# code from the usual codes, so windows the networks reconstruct badly, and
# windows at unusual levels, score low. ``predict`` flags the windows below
# the threshold ``offset_``.
#
# IsolationForest scores the same windows with its defaults. The detector's
# learning rate, batch size and number of epochs were chosen on NAB series
# such as this one, so the comparison favours the detector.
detector = AutoencoderOutlierDetector(
    network="recurrent",
    input_shape=(window, 1),
    hidden_layer_sizes=(32,),
    learning_rate_init=1e-2,
    batch_size=128,
    max_iter=30,
    random_state=0,
).fit(X)
detector_score = -detector.score_samples(X)
flagged = detector.predict(X) == -1
print(f"{flagged.mean():.0%} of the windows flagged")
forest_score = -IsolationForest(random_state=0).fit(X).score_samples(X)

# %%
# The series, its labelled anomalies and the scores
# -------------------------------------------------
# Shaded: NAB's labelled anomaly windows. Each score (higher is more
# anomalous) is drawn at the end of its window, the detector's flagged
# windows as dots above its threshold (the dashed line); the legends give
# the window-level ROC-AUC.
fig, axes = plt.subplots(3, 1, figsize=(10, 7), sharex=True)
axes[0].plot(timestamps, values, lw=0.5, color="k")
axes[0].set_ylabel("temperature")
for ax, score, label in (
    (axes[1], detector_score, "recurrent autoencoder detector"),
    (axes[2], forest_score, "IsolationForest"),
):
    auc = roc_auc_score(y, score)
    ax.plot(window_end, score, lw=0.7, label=f"{label} (ROC-AUC {auc:.2f})")
    ax.set_ylabel("anomaly score")
    ax.legend(loc="upper left")
axes[1].plot(
    window_end[flagged],
    detector_score[flagged],
    ".",
    ms=3,
    color="C3",
    label=f"flagged by predict ({flagged.mean():.0%} of the windows)",
)
axes[1].axhline(
    -detector.offset_, color="C3", lw=0.8, ls="--", label="threshold (-offset_)"
)
axes[1].legend(loc="upper left")
axes[1].set_yscale("log")  # failures score far above a normal window
for ax in axes:
    for a, b in labelled:
        ax.axvspan(a, b, color="tab:red", alpha=0.2, lw=0)
axes[0].set_title(f"{name}: labelled anomaly windows shaded")
fig.autofmt_xdate()
fig.tight_layout()
plt.show()
