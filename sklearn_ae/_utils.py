"""Small helpers: devices, seeding, numpy <-> torch rows, the fit wrapper."""

# License: BSD 3 clause

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils import check_random_state

from sklearn_ae._sklearn_compat import _fit_context


def resolve_device(device):
    """Turn the ``device`` hyperparameter into a usable ``torch.device``.

    ``"auto"`` picks CUDA when a GPU is visible, else the CPU. Anything else
    must name a device that exists on this machine.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device. Use 'cpu', 'cuda', "
            "'cuda:N' or 'auto' (CUDA when available, else CPU)."
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} but CUDA is not available on this machine "
                f"(torch {torch.__version__}, built for CUDA "
                f"{torch.version.cuda or 'none'}). Use device='cpu', or "
                "device='auto' to use a GPU only when there is one."
            )
        count = torch.cuda.device_count()
        if resolved.index is not None and resolved.index >= count:
            raise ValueError(
                f"device={device!r} but this machine has {count} CUDA "
                f"device(s), numbered 0 to {count - 1}."
            )
    elif resolved.type == "mps":
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError(
                f"device={device!r} but the MPS backend is not available on "
                "this machine. Use device='cpu' or device='auto'."
            )
    elif resolved.type != "cpu":
        raise ValueError(
            f"device={device!r} is not supported. Use 'cpu', 'cuda', 'cuda:N', "
            "'mps' or 'auto'."
        )
    return resolved


def derive_seed(random_state):
    """One int seed for torch from ``random_state``.

    ``None`` draws fresh OS entropy instead of numpy's global RNG, so fitting
    never advances the caller's global random state.
    """
    if random_state is None:
        return int(
            np.random.SeedSequence().generate_state(1)[0] % np.iinfo(np.int32).max
        )
    rng = check_random_state(random_state)
    return int(rng.randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def seeded(seed: int, device: torch.device):
    """Run torch code under ``seed`` and leave the caller's RNG state as it was."""
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else 0]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def as_rows(X):
    """A float32 view of ``X``'s rows that torch can index without a full copy.

    Dense float32 arrays (numpy memmaps included) are shared with torch, not
    copied; other dense dtypes are converted once; scipy sparse matrices stay
    sparse (CSR) and are densified a batch at a time by :func:`take_rows`.
    """
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=np.float32)
    X = np.asarray(X) if not isinstance(X, np.ndarray) else X
    if X.dtype != np.float32 or not X.flags.c_contiguous:
        X = np.ascontiguousarray(X, dtype=np.float32)
    with warnings.catch_warnings():
        # A read-only array (a memmap opened with mode="r") is shared as is; we
        # never write to it, so torch's warning about writes does not apply.
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(X)


def take_rows(rows, index):
    """Rows ``index`` (a slice or a 1-D LongTensor) of ``rows`` as a dense tensor."""
    if isinstance(rows, torch.Tensor):
        return rows[index]
    if isinstance(index, torch.Tensor):
        index = index.numpy()
    return torch.from_numpy(rows[index].toarray())


def n_rows(rows):
    return rows.shape[0]


# Beyond this magnitude squared errors overflow float32 (max ~3.4e38).
_FLOAT32_LIMIT = 1e18

# Rows used to compute the input statistics and the PCA start: enough for
# stable estimates, few enough that a huge (or memmapped) X is never copied.
_INIT_SAMPLE = 10_000


def check_float32_range(X, name="X"):
    """The network computes in float32: refuse values it would turn into inf."""
    values = X.data if sp.issparse(X) else X
    if values.size == 0:
        return
    # max and min, not abs(): no temporary copy of a large (memmapped) X.
    # NaN marks a missing entry: the extremes are those of the others.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all NaN
        largest = max(abs(float(np.nanmax(values))), abs(float(np.nanmin(values))))
    if np.isnan(largest):
        return
    if largest > _FLOAT32_LIMIT:
        raise ValueError(
            f"{name} holds values as large as {largest:.3g} in magnitude, beyond "
            f"what the network's float32 arithmetic can use (about "
            f"{_FLOAT32_LIMIT:.0e}). Scale the data first, e.g. with "
            "sklearn.preprocessing.StandardScaler."
        )


def sample_rows(X, seed, n=_INIT_SAMPLE):
    """Up to ``n`` rows of X (the same rows for a given seed), dense float64."""
    rows = slice(None)
    if X.shape[0] > n:
        rows = np.sort(np.random.RandomState(seed).choice(X.shape[0], n, replace=False))
    part = X[rows]
    part = part.toarray() if sp.issparse(part) else part
    return np.asarray(part, dtype=np.float64)


def assign_params(estimator, params):
    """``__init__``'s body: store each parameter under its own name.

    ``params`` is the ``__init__``'s ``locals()``; nothing is checked or
    converted here (scikit-learn's rule), only assigned.
    """
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


# The interruptions (Ctrl-C) of the trainings run by the innermost fit method:
# the engine notes them, the fit method's wrapper passes them on once the fit
# is complete.
_INTERRUPTIONS = contextvars.ContextVar("sklearn_ae_interruptions", default=None)


def note_interruption():
    """Tell the fit method running this training that a Ctrl-C ended it."""
    noted = _INTERRUPTIONS.get()
    if noted is not None:
        noted.append(True)


def fit_method(fit):
    """Wrap a ``fit`` or ``partial_fit``: all or nothing, and Ctrl-C passes.

    A fit that fails leaves the estimator exactly as it was. A fit that is
    interrupted (KeyboardInterrupt) after one or more completed epochs keeps
    the weights of the best epoch so far, and the interruption then reaches
    the caller, so that a loop of fits or a grid search stops.
    """

    @functools.wraps(fit)
    @_fit_context(prefer_skip_nested_validation=True)
    def wrapper(self, *args, **kwargs):
        before = dict(vars(self))
        token = _INTERRUPTIONS.set([])
        try:
            result = fit(self, *args, **kwargs)
            interrupted = bool(_INTERRUPTIONS.get())
        except BaseException:
            vars(self).clear()
            vars(self).update(before)
            raise
        finally:
            _INTERRUPTIONS.reset(token)
        if interrupted:
            raise KeyboardInterrupt(
                f"{type(self).__name__}.{fit.__name__} was interrupted after "
                f"{self.n_iter_} epochs; the estimator keeps the weights of the "
                "best epoch so far."
            )
        return result

    return wrapper


def refuse_fit_params(estimator, fit_params):
    """Refuse keyword arguments to ``fit`` that it does not take, clearly.

    A supervised ``fit`` takes ``**fit_params`` only to say this: a
    ``sample_weight`` passed by a user, a search or a pipeline would else
    raise Python's bare TypeError. (Declaring ``sample_weight`` would make
    scikit-learn's checks expect it to work.) ``sample_weight=None`` means
    no weights and is accepted.
    """
    fit_params = {k: v for k, v in fit_params.items() if v is not None}
    if not fit_params:
        return
    name = type(estimator).__name__
    if "sample_weight" in fit_params:
        raise TypeError(
            f"{name}.fit does not support sample_weight yet (every row weighs "
            "the same in the loss). To weight rows, repeat them in X and y, "
            "e.g. np.repeat(X, counts, axis=0) for integer weights, or draw "
            "rows with probabilities proportional to the weights."
        )
    raise TypeError(
        f"{name}.fit() got an unexpected keyword argument {next(iter(fit_params))!r}."
    )


def caller_level():
    """``stacklevel`` of the first frame outside sklearn_ae and scikit-learn,
    so that a warning points at the user's call to ``fit``."""
    import sklearn

    inside = (os.path.dirname(__file__), os.path.dirname(sklearn.__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(inside):
        frame, level = frame.f_back, level + 1
    return level
