"""
==========================================
Generating digits with a variational AE
==========================================

A :class:`~sklearn_ae.VariationalAutoencoder` learns a latent space with a
standard normal prior, so decoding draws from that prior gives new rows.
We fit one on scikit-learn's 8x8 digits, draw a grid of new digits, check
how recognisable they are with a classifier trained on real digits, and walk
along each latent axis to see what it encodes.
"""

# %%
# Fit on the digits
# -----------------
# The decoder is Gaussian (``loss="mse"``) with a variance fitted to the
# data; with four latent dimensions, draws from the prior land where the
# training digits are.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture

from sklearn_ae import VariationalAutoencoder

X, y = load_digits(return_X_y=True)
X = X / 16
vae = VariationalAutoencoder(
    n_components=4, learning_rate_init=3e-3, max_iter=60, random_state=0
)
# ``max_iter`` keeps this example short. When it ends the training while the
# loss is still falling, the estimator warns with a ``ConvergenceWarning``;
# we report that in one line instead.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    vae.fit(X)
if any(w.category is ConvergenceWarning for w in caught):
    print(f"{vae.n_iter_} epochs (max_iter): the loss was still falling")
print(f"{vae.n_iter_} epochs, mean ELBO {vae.score(X):.1f} nats per digit")

# %%
# New digits
# ----------
# A classifier trained on the real digits labels each sample; its mean
# top-class probability measures how recognisable the samples are. For
# scale: on held-out real digits it is about 0.89, on uniform noise about
# 0.59, and on samples from a single Gaussian fitted to the digits (a linear
# generator) about 0.60.
judge = LogisticRegression(max_iter=3000).fit(X, y)
samples = vae.sample(64, random_state=0)
proba = judge.predict_proba(np.clip(samples, 0, 1))
gaussian = GaussianMixture(1, covariance_type="full", random_state=0).fit(X)
baseline = judge.predict_proba(np.clip(gaussian.sample(500)[0], 0, 1))
print(
    f"recognised with mean top-class probability {proba.max(axis=1).mean():.2f} "
    f"(one Gaussian: {baseline.max(axis=1).mean():.2f})"
)

fig, axes = plt.subplots(8, 8, figsize=(7, 7.6))
for ax, row, p in zip(axes.ravel(), samples, proba, strict=True):
    ax.imshow(row.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"{p.argmax()} ({p.max():.2f})", fontsize=8)
    ax.axis("off")
fig.suptitle("Samples from the prior, labelled by a digit classifier")
fig.tight_layout()

# %%
# Walking along the latent axes
# -----------------------------
# Each row starts from the centre of the latent space (the prior's mean)
# and moves one latent coordinate from -2.5 to 2.5 standard deviations,
# the others held at zero: each axis morphs the digit into others.
steps = np.linspace(-2.5, 2.5, 9)
fig, axes = plt.subplots(vae.n_components, len(steps), figsize=(8, 4.2))
for dim in range(vae.n_components):
    codes = np.zeros((len(steps), vae.n_components))
    codes[:, dim] = steps
    for ax, image, value in zip(
        axes[dim], vae.inverse_transform(codes), steps, strict=True
    ):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if dim == vae.n_components - 1:
            ax.set_xlabel(f"{value:+.1f}")
    axes[dim, 0].set_ylabel(f"z{dim}")
fig.suptitle("Latent traversal: one coordinate at a time")
fig.tight_layout()
plt.show()
