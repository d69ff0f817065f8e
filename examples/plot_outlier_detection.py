"""
=======================================
Outlier detection with autoencoders
=======================================

``AutoencoderOutlierDetector`` scores each row by how badly a small ensemble
of autoencoders reconstructs it, feature by feature, in units of each
feature's usual error, and by how unusual its code is (far from the centre,
or far from the codes of its nearest training rows). It follows
``IsolationForest``'s contract:
``score_samples`` (higher is more normal), ``decision_function`` (negative
for outliers), ``predict`` (+1 / -1). We fit it on the ADBench ``thyroid`` set
(3,772 patients, 6 features, 2.5% labelled anomalies), without the labels,
look at the histogram of scores with the threshold and at the ROC curve
beside IsolationForest's, and ask which features
make the top outliers stand out. Without the data set in ``../shared/data``
the example plants outliers in generated data instead.
"""

# %%
# Data
# ----
# The labels are used only to colour the plots and compute the ROC-AUC; the
# detector never sees them.
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AutoencoderOutlierDetector
from sklearn_ae.plotting import OutlierScoreDisplay

# sphinx-gallery runs examples from this folder, without __file__.
here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
shared = here.parents[1] / "shared" / "data"
path = Path(os.environ.get("SKLEARN_AE_DATA", shared)) / "adbench" / "thyroid.npz"
if path.exists():
    data = np.load(path)
    X, y = data["X"], data["y"]
    title = "ADBench thyroid"
else:
    # Rows near a curved 2-D surface in 6-D, and 2% of rows pushed off it.
    rng = np.random.RandomState(0)
    t = rng.uniform(-1, 1, size=(2000, 2))
    X = np.column_stack(
        [
            t[:, 0],
            t[:, 1],
            t[:, 0] ** 2,
            t[:, 0] * t[:, 1],
            np.sin(2 * t[:, 1]),
            t[:, 0] + t[:, 1],
        ]
    ) + 0.05 * rng.normal(size=(2000, 6))
    y = np.zeros(2000, dtype=int)
    y[:40] = 1
    X[:40, 2:] += rng.choice([-1, 1], size=(40, 4)) * 0.8
    title = "generated data"

feature_names = [f"x{j}" for j in range(X.shape[1])]
X = StandardScaler().fit_transform(X)
print(f"{title}: {X.shape[0]} rows, {X.shape[1]} features, {y.mean():.1%} anomalies")

# %%
# Fit and score
# -------------
# ``contamination=0.05`` puts the threshold ``offset_`` at the 5th percentile
# of the training scores: 5% of the rows are flagged. With the default
# ``contamination="auto"`` the threshold is the lower whisker of a box plot of
# the training scores instead.
#
# IsolationForest, with its defaults, scores the same rows. Both run untuned,
# as unsupervised detectors must (there are no labels to tune with), but the
# detector's defaults were chosen on 12 ADBench sets that include this one
# (see :ref:`outlier_detection`), so the comparison favours the detector.
detector = AutoencoderOutlierDetector(contamination=0.05, random_state=0)
detector.fit(X)
scores = detector.score_samples(X)
labels = detector.predict(X)

forest = IsolationForest(random_state=0).fit(X)
print(f"ROC-AUC  autoencoder ensemble: {roc_auc_score(y, -scores):.3f}")
print(
    f"ROC-AUC  IsolationForest:      {roc_auc_score(y, -forest.score_samples(X)):.3f}"
)
print(
    f"flagged: {np.mean(labels == -1):.1%} of rows, "
    f"{np.mean(y[labels == -1]):.0%} of them labelled anomalies"
)

# %%
# Scores, threshold and ROC curve
# -------------------------------
# :class:`~sklearn_ae.plotting.OutlierScoreDisplay` draws a histogram of the
# scores of the labelled inliers and outliers with the threshold ``offset_``,
# and the ROC curve. Scores are minus a normalised error, about -1 for a
# typical row and far below for outliers; that long tail would squeeze every
# inlier into one bin, so we give the display the scores on a log scale,
# ``-log10(-score_samples)`` (an increasing function of the score: the ranking,
# the ROC curve and the flagged rows stay the same). Then
# ``OutlierScoreDisplay.from_estimator`` adds IsolationForest's ROC curve,
# computed from its own ``score_samples``, on the same axes.
display = OutlierScoreDisplay(
    scores=-np.log10(-scores),
    offset=-np.log10(-detector.offset_),
    y_true=y,
    estimator_name="autoencoder ensemble",
).plot(bins=60)
display.ax_hist_.set_xlabel("-log10(-score_samples) (lower = more abnormal)")
forest_display = OutlierScoreDisplay.from_estimator(
    forest, X, y, kind="roc", ax=display.ax_roc_, name="IsolationForest"
)
# One legend entry per model; the dots mark each model's own threshold.
display.ax_roc_.legend(
    handles=[display.roc_line_, forest_display.roc_line_],
    loc="lower right",
    title="dots: rows flagged at offset_",
    fontsize="small",
)
display.figure_.suptitle(title)

# %%
# Which features make the top outliers stand out?
# -----------------------------------------------
# ``reconstruction_errors`` returns, for each row and feature, the squared
# reconstruction error in units of that feature's usual error (about 1 on a
# typical row). The five most anomalous rows and their errors:
top = np.argsort(scores)[:5]
errors = detector.reconstruction_errors(X[top])

fig, axes = plt.subplots(1, len(top), figsize=(11, 3), sharey=True)
for ax, row, err in zip(axes, top, errors, strict=True):
    ax.bar(feature_names, err, color=["C3" if e == err.max() else "C0" for e in err])
    ax.axhline(1, color="k", linewidth=0.8, linestyle=":")
    tag = "anomaly" if y[row] else "normal"
    ax.set_title(f"row {row} ({tag})\nscore {scores[row]:.0f}", fontsize=9)
    ax.tick_params(axis="x", labelrotation=90, labelsize=8)
axes[0].set_yscale("log")
axes[0].set_ylabel("normalised squared error")
fig.suptitle("Per-feature reconstruction errors of the top 5 outliers", fontsize=10)
fig.tight_layout()
plt.show()
