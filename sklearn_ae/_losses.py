"""Reconstruction losses and code penalties as plain torch functions."""

# License: BSD 3 clause

import math

import numpy as np
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


def check_target_range(loss, name, data):
    """``loss="bce"`` compares probabilities: its targets must lie in [0, 1]."""
    if loss != "bce":
        return
    if hasattr(data, "toarray"):
        low, high = data.min(), data.max()
    else:  # NaN marks a missing entry
        low, high = np.nanmin(data), np.nanmax(data)
    if low < 0 or high > 1:
        raise ValueError(
            f"loss='bce' needs {name} in [0, 1], but it holds values in "
            f"[{low:.4g}, {high:.4g}]. Scale it with "
            "sklearn.preprocessing.MinMaxScaler, or use loss='mse'."
        )


def elementwise_loss(name, pred, target):
    """The loss ``name`` for each element, same shape as ``pred``."""
    return _ELEMENTWISE[name](pred, target)


def observed_target(pred, target):
    """``(target, observed)``: NaN in ``target`` marks an entry not observed.

    The returned target holds ``pred``'s (detached) value where ``target``
    is NaN, so the loss there is constant in ``pred``: its gradient is zero,
    where multiplying a NaN loss by a zero mask would give a NaN gradient.
    ``observed`` is None when every entry is observed (the fast path).
    """
    missing = torch.isnan(target)
    if not bool(missing.any()):
        return target, None
    observed = ~missing
    return torch.where(observed, target, pred.detach()), observed.expand_as(pred)


def masked_mean(values, observed):
    """Mean of ``values`` over the ``observed`` entries (all when None)."""
    if observed is None:
        return values.mean()
    return (values * observed).sum() / observed.sum().clamp_min(1)


def reconstruction_loss(name, pred, target):
    """Mean of the loss ``name`` over the observed elements: a scalar tensor.

    NaN in ``target`` marks an entry that was not observed: it adds nothing
    to the loss, which averages over the observed entries only. ``name``
    may also be a callable ``(pred, target) -> scalar`` (the variational
    autoencoder's Gaussian likelihood), which handles NaN itself.
    """
    if callable(name):
        if not getattr(name, "handles_missing", False):
            # A user's loss sees no NaN: a missing entry's target holds the
            # output's own (detached) value, so it adds a constant, and no
            # gradient, to any elementwise loss.
            target, _ = observed_target(pred, target)
        loss = name(pred, target)
        if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
            raise ValueError(
                f"loss={name!r} returned {_describe(loss)}; a loss must return "
                "a scalar tensor, e.g. ((output - target) ** 2).mean()."
            )
        return loss
    target, observed = observed_target(pred, target)
    return masked_mean(elementwise_loss(name, pred, target), observed)


class Criterion(torch.nn.Module):
    """The training loss, as skorch's ``criterion``: ``criterion(y_pred, target)``.

    ``y_pred`` is what the module returns, ``(output, code)``; the loss is
    ``loss(output, target)`` plus ``penalty(code)`` when there is one.
    ``loss`` is a name of :data:`LOSSES` (the mean over the observed
    entries: NaN in ``target`` marks a missing one) or a callable
    ``(output, target) -> scalar tensor`` that handles NaN itself. A module
    may stack several outputs on dimension 1 (an ensemble): each is compared
    with the same target and the losses averaged.
    """

    def __init__(self, loss="mse", penalty=None):
        super().__init__()
        self.loss = loss
        self.penalty = penalty

    def forward(self, y_pred, target):
        output, code = y_pred
        if output.dim() == target.dim() + 1:
            target = target.unsqueeze(1)
        loss = reconstruction_loss(self.loss, output, target)
        if self.penalty is not None:
            loss = loss + self.penalty(code)
        return loss


def _describe(value):
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__name__}"


def row_errors(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error of each row over its observed entries (NaN in
    ``target`` is not observed), shape ``(n_rows,)``, in float64; 0 for a
    row with no observed entry.

    Summed in float64: a float32 sum rounds differently with the batch's
    shape, and a row must score the same alone or in any batch.
    """
    squares = (pred - target).double() ** 2
    observed = ~torch.isnan(squares)
    squares = torch.where(observed, squares, 0.0).flatten(1)
    return squares.sum(dim=1) / observed.flatten(1).sum(dim=1).clamp_min(1)


# Mean activations are kept this far from 0 and 1 inside the KL sparsity term,
# so a unit that is (nearly) always off or on gives a large finite penalty.
_RHO_EPS = 1e-6


# Weight of the sparsity term with sparsity_weight="auto". "kl": strong enough
# to bring each unit's mean activation to sparsity_target. "l1": Keras' usual
# activity weight; 1.0 shrank the code until digits were not reconstructed.
_AUTO_SPARSITY_WEIGHT = {"kl": 1.0, "l1": 0.01}


class SparsityPenalty:
    """``weight`` times a sparsity term of the code, as Keras' activity regulariser.

    ``"l1"``: the mean over rows of the sum over code units of ``|z|``.
    ``"kl"``: the sum over code units ``j`` of ``KL(target || rho_hat_j)``,
    where ``rho_hat_j`` is the mean activation of unit ``j`` over the batch
    (codes in [0, 1], e.g. after a sigmoid). ``weight="auto"`` picks the
    kind's usual weight. Picklable, unlike a closure.
    """

    def __init__(self, kind, weight, target=0.05):
        self.kind = kind
        self.weight = _AUTO_SPARSITY_WEIGHT[kind] if weight == "auto" else weight
        self.target = target

    def __call__(self, code):
        if self.kind == "l1":
            return self.weight * code.abs().flatten(1).sum(dim=1).mean()
        rho = self.target
        rho_hat = code.flatten(1).mean(dim=0).clamp(_RHO_EPS, 1 - _RHO_EPS)
        kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log(
            (1 - rho) / (1 - rho_hat)
        )
        return self.weight * kl.sum()


def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) of each row, shape ``(n_rows,)``."""
    return 0.5 * (mean**2 + log_var.exp() - 1 - log_var).sum(dim=1)


class GaussianKLPenalty:
    """``weight`` times the mean over rows of the KL of the posterior to N(0, I).

    The code is the pair ``(mean, log_var)`` of the Gaussian posterior.
    """

    def __init__(self, weight):
        self.weight = weight

    def __call__(self, code):
        mean, log_var = code
        return self.weight * gaussian_kl(mean, log_var).mean()


class CalibratedGaussianNLL:
    """Per-element negative log-likelihood of a Gaussian decoder.

    The decoder's variance is one number shared by all outputs, set to its
    maximum-likelihood value for the batch, the mean squared error (the
    "optimal sigma" calibrated decoder of Rybkin et al., 2021). The loss is
    ``0.5 * (log(2 pi var) + mse / var)``: it balances the reconstruction
    against the KL term whatever the scale of the data, where a fixed
    variance would blur (too large) or ignore the prior (too small).
    ``floor`` keeps the variance positive when the fit becomes exact.
    """

    handles_missing = True

    def __init__(self, floor):
        self.floor = floor

    def __call__(self, pred, target):
        target, observed = observed_target(pred, target)
        mse = masked_mean((pred - target) ** 2, observed)
        var = mse.clamp_min(self.floor)
        return 0.5 * (torch.log(2 * math.pi * var) + mse / var)


class ReconstructionAndCrossEntropy:
    """Reconstruction of every row plus cross-entropy on the labelled ones.

    ``pred`` holds each row's reconstruction followed by ``n_classes``
    logits; ``target`` the clean row followed by ``n_classes`` class
    weights: a one-hot row for a labelled row, a pseudo-label scaled by its
    confidence, or zeros for a row that only teaches the reconstruction. The
    cross-entropy is averaged over the rows that carry a weight.

    With ``confidence`` (a probability), the rows without a weight also
    learn the network's own prediction where it is at least that
    confident: the cross-entropy of their most probable class, as a fixed
    target (no gradient through the choice), averaged over the rows without
    a weight in the batch (the confident ones count, the others add zero).
    Picklable, unlike a closure.
    """

    handles_missing = True

    def __init__(self, name, n_classes, reconstruction_weight=1.0, confidence=None):
        self.name = name
        self.n_classes = n_classes
        self.reconstruction_weight = reconstruction_weight
        self.confidence = confidence

    def __call__(self, pred, target):
        c = self.n_classes
        reconstruction, logits = pred[:, :-c], pred[:, -c:]
        clean, weights = target[:, :-c], target[:, -c:]
        loss = self.reconstruction_weight * reconstruction_loss(
            self.name, reconstruction, clean
        )
        log_proba = torch.log_softmax(logits, dim=1)
        carries = weights.sum(dim=1) > 0
        loss = loss - (weights * log_proba).sum() / carries.sum().clamp_min(1)
        if self.confidence is None:
            return loss
        best, _ = log_proba[~carries].max(dim=1)
        confident = best.detach() >= math.log(self.confidence)
        return loss - (best * confident).sum() / max(len(best), 1)
