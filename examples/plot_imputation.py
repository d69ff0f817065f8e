"""
=================================
Imputing missing values in tables
=================================

:class:`~sklearn_ae.AutoencoderImputer` learns from a table with holes: its
loss counts the observed entries only, and during training it hides a share
of the observed entries too, so that it learns to fill what it cannot see.
Here the digits are scaled to [0, 1] and entries are hidden completely at
random; we compare the error on the hidden entries with scikit-learn's
imputers, then look at one digit with half its pixels missing.
"""

# %%
# Hiding entries
# --------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

from sklearn_ae import AutoencoderImputer

X = load_digits().data[:800] / 16
rng = np.random.RandomState(0)


def hide(X, rate):
    hidden = rng.uniform(size=X.shape) < rate
    return np.where(hidden, np.nan, X), hidden


methods = {
    "mean": lambda: SimpleImputer(keep_empty_features=True),
    "KNN": lambda: KNNImputer(keep_empty_features=True),
    "iterative": lambda: IterativeImputer(
        max_iter=10, random_state=0, keep_empty_features=True
    ),
    "autoencoder": lambda: AutoencoderImputer(
        keep_empty_features=True, max_iter=60, random_state=0
    ),
}

# %%
# Error by missing rate
# ---------------------
# The root mean squared error over the hidden entries only.
rates = [0.1, 0.3, 0.5]
errors = {name: [] for name in methods}
fills = {}
for rate in rates:
    X_missing, hidden = hide(X, rate)
    for name, make in methods.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            filled = make().fit_transform(X_missing)
        errors[name].append(np.sqrt(np.mean((filled[hidden] - X[hidden]) ** 2)))
        if rate == 0.5:
            fills[name] = filled
    if rate == 0.5:
        masked_at_half, hidden_at_half = X_missing, hidden

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, values in errors.items():
    ax.plot(rates, values, marker="o", label=name)
ax.set_xlabel("share of entries missing")
ax.set_ylabel("RMSE on the missing entries")
ax.legend()
fig.tight_layout()

# %%
# One digit, half of it missing
# -----------------------------
# Grey squares are the missing pixels; each method fills them in.
row = 3
panels = {"original": X[row], "missing": masked_at_half[row]}
panels.update({name: fills[name][row] for name in methods})
fig, axes = plt.subplots(1, len(panels), figsize=(2 * len(panels), 2.4))
cmap = plt.cm.gray_r.copy()
cmap.set_bad("0.6")
for ax, (title, image) in zip(axes, panels.items(), strict=True):
    ax.imshow(np.ma.masked_invalid(image.reshape(8, 8)), cmap=cmap, vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_axis_off()
fig.tight_layout()
plt.show()
