"""Reconstruction losses as plain torch functions."""

# License: BSD 3 clause

import torch
import torch.nn.functional as F

# Probabilities are clipped this far from 0 and 1 before the binary
# cross-entropy, so a saturated sigmoid gives a large finite loss, not inf.
_BCE_EPS = 1e-6


def _bce(pred, target):
    pred = pred.clamp(_BCE_EPS, 1 - _BCE_EPS)
    return F.binary_cross_entropy(pred, target, reduction="none")


_ELEMENTWISE = {
    "mse": lambda pred, target: (pred - target) ** 2,
    "l1": lambda pred, target: (pred - target).abs(),
    "huber": lambda pred, target: F.huber_loss(pred, target, reduction="none"),
    "bce": _bce,
}

LOSSES = tuple(_ELEMENTWISE)


def elementwise_loss(name, pred, target):
    """The loss ``name`` for each element, same shape as ``pred``."""
    return _ELEMENTWISE[name](pred, target)


def reconstruction_loss(name, pred, target):
    """Mean over all elements of the loss ``name``: a scalar tensor."""
    return elementwise_loss(name, pred, target).mean()


def row_errors(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error of each row, shape ``(n_rows,)``."""
    return ((pred - target) ** 2).flatten(1).mean(dim=1)
