"""Corruption of training batches for denoising autoencoders: plain torch."""

# License: BSD 3 clause

from __future__ import annotations

import torch

NOISE_KINDS = ("gaussian", "masking", "salt_pepper")


def gaussian(x: torch.Tensor, level: float) -> torch.Tensor:
    """Add Gaussian noise of standard deviation ``level``."""
    return x + level * torch.randn_like(x)


def masking(x: torch.Tensor, level: float) -> torch.Tensor:
    """Set a random ``level`` share of the entries to zero."""
    return x * (torch.rand_like(x) >= level)


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
        low = self.low.to(device=x.device, dtype=x.dtype)
        high = self.high.to(device=x.device, dtype=x.dtype)
        return salt_pepper(x, self.level, low, high)
