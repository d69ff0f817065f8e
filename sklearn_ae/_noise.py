"""Corruption of training batches for denoising autoencoders: plain torch."""

# License: BSD 3 clause

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch

NOISE_KINDS = ("gaussian", "masking", "salt_pepper")


def gaussian(x: torch.Tensor, level: float) -> torch.Tensor:
    """Add Gaussian noise of standard deviation ``level``."""
    return x + level * torch.randn_like(x)


def masking(x: torch.Tensor, level: float) -> torch.Tensor:
    """Set a random ``level`` share of the entries to zero."""
    return x * (torch.rand_like(x) >= level)


def hide(x: torch.Tensor, level: float) -> torch.Tensor:
    """Mark a random ``level`` share of the entries missing (NaN): the dense
    encoder then sees its column's mean there."""
    return x.masked_fill(torch.rand_like(x) < level, float("nan"))


def salt_pepper(
    x: torch.Tensor, level: float, low: torch.Tensor, high: torch.Tensor
) -> torch.Tensor:
    """Set a random ``level`` share of the entries to their column's ``low``
    or ``high`` value (each with probability 1/2)."""
    hit = torch.rand_like(x) < level
    salt = torch.rand_like(x) < 0.5
    extreme = torch.where(salt, high.expand_as(x), low.expand_as(x))
    return torch.where(hit, extreme, x)


class Corruption:
    """Picklable corruption hook for the training engine.

    ``kind`` is one of ``NOISE_KINDS`` or "missing" (:func:`hide`, the
    imputer's extra masking of observed entries).

    Called on every training batch, so each epoch sees fresh noise drawn from
    torch's (seeded, forked) global RNG. ``low``/``high`` are the per-column
    minimum and maximum of the training data, used by "salt_pepper".
    """

    def __init__(self, kind, level, low=None, high=None):
        self.kind = kind
        self.level = level
        self.low = low
        self.high = high

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.level == 0:
            return x
        if self.kind == "gaussian":
            return gaussian(x, self.level)
        if self.kind == "masking":
            return masking(x, self.level)
        if self.kind == "missing":
            return hide(x, self.level)
        low = self.low.to(device=x.device, dtype=x.dtype)
        high = self.high.to(device=x.device, dtype=x.dtype)
        return salt_pepper(x, self.level, low, high)


def noise_facts(estimator, X):
    """The fitted facts the corruption needs from the training rows ``X``:
    ``_noise_extremes``, the columns' extremes "salt_pepper" draws (None for
    the other kinds). Checks the level first."""
    _check_noise(estimator.noise, estimator.noise_level)
    extremes = _column_extremes(X) if estimator.noise == "salt_pepper" else None
    return {"_noise_extremes": extremes}


def corruption_for(estimator):
    """The corruption hook for ``estimator.noise`` and ``noise_level``, from
    the fitted ``_noise_extremes`` (see :func:`noise_facts`): a loaded model
    corrupts exactly as it did."""
    if estimator.noise is None or estimator.noise_level == 0:
        return None
    low = high = None
    if estimator.noise == "salt_pepper":
        low, high = (
            torch.as_tensor(e, dtype=torch.float32) for e in estimator._noise_extremes
        )
    return Corruption(estimator.noise, estimator.noise_level, low, high)


def noise_arrays(estimator):
    """The fitted array :func:`noise_facts` learns, as ``_fitted_arrays`` lists it."""
    if estimator.noise != "salt_pepper":
        return {}
    return {"_noise_extremes": ((2, estimator.n_features_in_), "f")}


def _column_extremes(X):
    """Per-column minimum and maximum of X (dense or sparse), shape (2, F),
    over the observed entries (NaN is missing; 0 for a column with none)."""
    if sp.issparse(X):
        low, high = X.min(axis=0), X.max(axis=0)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column
            low = np.nan_to_num(np.nanmin(X, axis=0))
            high = np.nan_to_num(np.nanmax(X, axis=0))
    dense = [
        np.asarray(a.toarray() if hasattr(a, "toarray") else a) for a in (low, high)
    ]
    return np.vstack([a.ravel() for a in dense]).astype(np.float64)


def _check_noise(noise, noise_level):
    """A share of entries ("masking", "salt_pepper") is at most 1."""
    if noise in ("masking", "salt_pepper") and noise_level > 1:
        raise ValueError(
            f"noise={noise!r} corrupts a share of the entries, so noise_level "
            f"must be in [0, 1], but it is {noise_level!r}. Pass e.g. "
            "noise_level=0.25 to corrupt a quarter of them."
        )
