"""
===================================
An autoencoder beside PCA on digits
===================================

:class:`~sklearn_ae.AutoencoderTransformer` has the interface of
:class:`~sklearn.decomposition.PCA`: ``fit``, ``transform`` to a code of
``n_components`` values, ``inverse_transform`` back to the input space. This
example fits both on scikit-learn's 8x8 handwritten digits at the same numbers
of components and compares how well they reconstruct images they did not see
during training, how long they take to fit, and how useful their codes are to
a classifier.
"""

# %%
# Data
# ----
# 1,797 images of 8x8 pixels, scaled to [0, 1]; 30% are held out.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_ae import AutoencoderTransformer
from sklearn_ae.plotting import ReconstructionDisplay

X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

# %%
# Reconstruction error at a few ``n_components``
# ----------------------------------------------
# The autoencoder takes the same argument as PCA, plus ``early_stopping=True``:
# it holds out 10% of the training rows and stops when their error no longer
# improves, which here takes a few times fewer epochs than the default
# (monitoring the training loss) for nearly the same error. The other defaults
# (two hidden layers, a start from the PCA solution, a learning rate that
# drops when the loss stalls) are meant to work untuned. The error is the
# mean squared difference between a held-out image and its reconstruction,
# ``inverse_transform(transform(X_test))``.


def test_mse(model):
    X_rec = model.inverse_transform(model.transform(X_test))
    return np.mean((X_test - X_rec) ** 2)


n_components_list = [2, 4, 8, 16]
models = {"PCA": {}, "autoencoder": {}}
mse = {"PCA": [], "autoencoder": []}
fit_time = {"PCA": [], "autoencoder": []}
for k in n_components_list:
    for name, model in [
        ("PCA", PCA(n_components=k, random_state=0)),
        (
            "autoencoder",
            AutoencoderTransformer(n_components=k, early_stopping=True, random_state=0),
        ),
    ]:
        start = time.perf_counter()
        model.fit(X_train)
        fit_time[name].append(time.perf_counter() - start)
        mse[name].append(test_mse(model))
        models[name][k] = model

print("n_components | PCA mse  fit s | autoencoder mse  fit s | ae / pca")
for i, k in enumerate(n_components_list):
    print(
        f"{k:>12} | {mse['PCA'][i]:.5f} {fit_time['PCA'][i]:6.2f} | "
        f"{mse['autoencoder'][i]:15.5f} {fit_time['autoencoder'][i]:6.2f} | "
        f"{mse['autoencoder'][i] / mse['PCA'][i]:8.2f}"
    )

# %%
# The autoencoder reconstructs held-out digits with clearly less error than
# PCA at every size; PCA needs about twice as many components for the same
# error. The price is the fit time: PCA is a single SVD, the autoencoder
# trains a network for seconds (the times above come from a shared 2-core
# machine and vary from run to run).
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, marker in [("PCA", "o"), ("autoencoder", "s")]:
    ax.plot(n_components_list, mse[name], marker=marker, label=name)
ax.set_xscale("log", base=2)
ax.set_xticks(n_components_list, [str(k) for k in n_components_list])
ax.legend()
ax.set_xlabel("n_components")
ax.set_ylabel("test reconstruction MSE")
ax.set_title("Held-out digits: reconstruction error")

# %%
# What the errors look like
# -------------------------
# :class:`~sklearn_ae.plotting.ReconstructionDisplay` draws the first ten
# test images above their reconstructions (``image_shape`` tells it how to
# view a row of 64 pixels). At 8 components PCA's digits are blurred mixtures
# of its components; the autoencoder's keep the strokes.
fig, axes = plt.subplots(2, 1, figsize=(9, 4.4), layout="constrained")
for ax, name in zip(axes, ["PCA", "autoencoder"], strict=True):
    display = ReconstructionDisplay.from_estimator(
        models[name][8], X_test, image_shape=(8, 8), ax=ax, name=f"{name}, 8 components"
    )
    # The display numbers the columns by row of X_test; here those numbers
    # would read like digit classes, so we drop them.
    display.ax_.set_xticks([])

# %%
# In a pipeline
# -------------
# Being a scikit-learn transformer, the autoencoder swaps in for PCA in a
# pipeline with one line changed::
#
#     make_pipeline(PCA(n_components=8), LogisticRegression())
#     make_pipeline(AutoencoderTransformer(n_components=8), LogisticRegression())
#
# Here both reduce the digits to 8 values before a logistic regression.
# :class:`~sklearn.frozen.FrozenEstimator` reuses the reducers fitted above
# rather than training them again.
for name in ["PCA", "autoencoder"]:
    pipe = make_pipeline(
        FrozenEstimator(models[name][8]), LogisticRegression(max_iter=2000)
    )
    pipe.fit(X_train, y_train)
    print(f"{name:>12}: test accuracy {pipe.score(X_test, y_test):.3f}")

# %%
# ``score`` of the autoencoder is minus its mean reconstruction error, so a
# :class:`~sklearn.model_selection.GridSearchCV` needs no ``scoring`` to tune
# it on its own::
#
#     GridSearchCV(
#         AutoencoderTransformer(n_components=8),
#         {"hidden_layer_sizes": [(64,), (128, 64)], "dropout": [0.0, 0.1]},
#     ).fit(X_train)
plt.show()
