"""A safe file format for fitted estimators: JSON metadata and tensor weights.

``pickle`` (and ``joblib``) files run code when loaded: never load one from a
source you do not trust. :func:`save` writes a file that :func:`load` reads
with ``torch.load(weights_only=True)``, which rebuilds only tensors, numbers,
strings, lists and dicts, so loading executes nothing from the file. A
user's function among the hyperparameters (a network factory, a loss) is
saved as its import path, and :func:`load` uses it only when the caller
passes that very function in ``trusted``, as skops does: it never imports
anything a file names.
"""

# License: BSD 3 clause

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

FORMAT = "sklearn_ae-model"
FORMAT_VERSION = 1

# Estimator classes that files may name, filled by ``register`` (each public
# estimator class registers itself when it is defined).
_CLASSES: dict = {}

# Classes of hyperparameter values that files may name (network kinds), by
# class name, filled by ``register_value``.
_VALUES: dict = {}

# Hyperparameters that hold training-time objects (files, writers): not
# saved; a loaded estimator has None.
_NOT_SAVED = ("callbacks",)


def register(cls):
    """Let files name ``cls``: only public classes (no leading underscore)."""
    if not cls.__name__.startswith("_"):
        _CLASSES[cls.__name__] = cls
    return cls


def register_value(cls):
    """Let files name ``cls`` (a class with ``get_params``) as the value of a
    hyperparameter, rebuilt as ``cls(**params)``."""
    if not cls.__name__.startswith("_"):
        _VALUES[cls.__name__] = cls
    return cls


class UntrustedError(ValueError):
    """A file names a function that the caller did not pass as trusted."""


def _path_of(function):
    """``module:qualname`` of a module-level function or class, else None."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    return f"{module}:{qualname}"


def _encode(name, value):
    """A JSON-able stand-in for a hyperparameter or fitted attribute."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if _VALUES.get(type(value).__name__) is type(value):
        params = value.get_params(deep=False)
        return {
            "__value__": type(value).__name__,
            "params": {k: _encode(f"{name}__{k}", v) for k, v in params.items()},
        }
    if callable(value) and not isinstance(value, np.ndarray):
        path = _path_of(value)
        if path is None:
            raise TypeError(
                f"Cannot save {name}={value!r}: the safe format names a "
                "function by its import path, and this one has none (a lambda, "
                "a function defined inside another, or an instance). Define it "
                "at module level, or pickle the estimator instead."
            )
        return {"__callable__": path}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(name, v) for v in value]}
    if isinstance(value, list):
        return [_encode(name, v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _encode(name, v) for k, v in value.items()}}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUO":
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    raise TypeError(
        f"Cannot save {name}={value!r} of type {type(value).__name__} in the safe "
        "format. Use plain numbers and strings for hyperparameters (an int "
        "random_state, not a RandomState), or pickle the estimator instead."
    )


def _decode(value, trusted=None):
    """The value ``_encode`` stood in for; a function only from ``trusted``
    (``{path: function}``), a kind only of a registered class."""
    trusted = trusted or {}
    if isinstance(value, list):
        return [_decode(v, trusted) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_decode(v, trusted) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: _decode(v, trusted) for k, v in value["__dict__"].items()}
        if "__ndarray__" in value:
            return np.array(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
        if "__value__" in value:
            cls = _VALUES.get(value["__value__"])
            if cls is None:
                raise _NotOurs(f"unknown hyperparameter value {value['__value__']!r}")
            params = {k: _decode(v, trusted) for k, v in value["params"].items()}
            return cls(**params)
        if "__callable__" in value:
            path = str(value["__callable__"])
            if path not in trusted:
                module, _, name = path.partition(":")
                raise UntrustedError(
                    f"the file names the function {module}.{name}, which "
                    "loading would have to import and run. Nothing was "
                    "imported. If you trust the file, import that function "
                    f"yourself and pass it: load(path, trusted=[{name}])."
                )
            return trusted[path]
    return value


def _trusted_paths(trusted):
    if trusted is None:
        return {}
    paths = {}
    for function in trusted:
        path = _path_of(function)
        if path is None or not callable(function):
            raise TypeError(
                f"trusted holds {function!r}; it takes the module-level "
                "functions or classes a file may name, e.g. trusted=[make_net]."
            )
        paths[path] = function
    return paths


def save(estimator, path):
    """Write a fitted estimator to ``path`` in the safe format.

    Read more in :ref:`persistence`.

    Parameters
    ----------
    estimator : fitted sklearn_ae estimator
        The estimator to save.
    path : str or path-like
        Destination file.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderTransformer, load, save
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(max_iter=3, random_state=0).fit(X / 16)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "digits.skae")
    ...     save(ae, path)
    ...     restored = load(path)
    >>> restored.transform(X[:2] / 16).shape
    (2, 2)
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        writer = version("sklearn_ae")
    except PackageNotFoundError:
        writer = "unknown"
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    for name in _NOT_SAVED:
        if name in params:
            params[name] = None
    fitted, arrays = {}, {}
    for name in type(estimator)._fitted_attributes:
        if not hasattr(estimator, name):
            continue
        value = getattr(estimator, name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            # Float arrays (scales, reference codes) travel as tensors: exact,
            # and compact where JSON would spell out every digit.
            arrays[name] = torch.from_numpy(np.ascontiguousarray(value))
            fitted[name] = {"__array__": name}
        else:
            fitted[name] = _encode(name, value)
    module = estimator._net.module_
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sklearn_ae_version": writer,
        "class": type(estimator).__name__,
        "params": {k: _encode(k, v) for k, v in params.items()},
        "fitted": fitted,
    }
    state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    if isinstance(path, (str, os.PathLike)):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            # torch.save would raise a RuntimeError after its own check.
            raise FileNotFoundError(
                f"Cannot save to {os.fspath(path)!s}: the folder {folder} does "
                f"not exist. Create it first, e.g. os.makedirs({folder!r})."
            )
    torch.save({"meta": json.dumps(meta), "state_dict": state, "arrays": arrays}, path)


def _not_ours(path, reason=None):
    because = "" if reason is None else f" ({reason})"
    return ValueError(
        f"{path!s} is not a model file written by sklearn_ae's save{because}. "
        "Nothing from it was executed."
    )


def load(path, *, trusted=None):
    """Read an estimator written by :func:`save`; runs no code from the file.

    Read more in :ref:`persistence`.

    Parameters
    ----------
    path : str or path-like
        File written by ``estimator.save(path)`` or :func:`sklearn_ae.save`.
    trusted : list of callables, default=None
        The functions the file may name: a network factory
        (``network=make_net``) or a loss of yours, saved as their import
        paths. A file naming one that is not in ``trusted`` is refused, and
        nothing is imported; pass the very function you imported, e.g.
        ``load(path, trusted=[make_net])``.

    Returns
    -------
    estimator : fitted sklearn_ae estimator
        Ready for ``transform``, ``score_samples``, ``predict``... on the CPU.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderTransformer, load, save
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(max_iter=3, random_state=0).fit(X / 16)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "digits.skae")
    ...     save(ae, path)
    ...     restored = load(path)
    >>> type(restored).__name__, restored.n_features_in_
    ('AutoencoderTransformer', 64)
    """
    try:
        with warnings.catch_warnings():
            # e.g. "Detected pickle protocol 4": about a file that is not ours.
            warnings.simplefilter("ignore", UserWarning)
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception:  # whatever a foreign or damaged file makes torch raise
        # Not torch's message: it advises weights_only=False, i.e. to unpickle.
        raise _not_ours(path) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("meta"), str)):
        raise _not_ours(path, "no sklearn_ae metadata")
    try:
        meta = json.loads(payload["meta"])
    except json.JSONDecodeError:
        raise _not_ours(path, "unreadable metadata") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _not_ours(path, "not the sklearn_ae format")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path!s} was written in sklearn_ae file format version "
            f"{meta.get('format_version')} (sklearn_ae "
            f"{meta.get('sklearn_ae_version')}); this sklearn_ae reads version "
            f"{FORMAT_VERSION}. Load it with the version that wrote it."
        )
    try:
        return _rebuild(meta, payload, _trusted_paths(trusted))
    except UntrustedError as exc:
        raise UntrustedError(f"{path!s}: {exc}") from None
    except _NotOurs as exc:
        raise _not_ours(path, str(exc)) from None
    except Exception as exc:  # a edited file: wrong shapes, types, names
        raise _not_ours(path, _first_line(exc)) from None


class _NotOurs(Exception):
    """What makes a file unreadable, said in a few words."""


def _first_line(exc):
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


def _rebuild(meta, payload, trusted):
    """The estimator a well-formed file describes; raises on any mismatch."""
    cls = _CLASSES.get(meta.get("class"))
    if cls is None:
        raise _NotOurs(f"unknown estimator class {meta.get('class')!r}")
    params = {k: _decode(v, trusted) for k, v in meta["params"].items()}
    expected = set(cls().get_params(deep=False))
    if set(params) != expected:
        raise _NotOurs(
            f"the parameters do not match {cls.__name__}'s "
            f"(unexpected: {sorted(set(params) - expected)}, "
            f"missing: {sorted(expected - set(params))})"
        )
    estimator = cls(**params)
    arrays = payload.get("arrays", {})
    declared = set(cls._fitted_attributes)
    for name, value in meta["fitted"].items():
        if name not in declared:
            raise _NotOurs(f"{name!r} is not a fitted attribute of {cls.__name__}")
        if isinstance(value, dict) and "__array__" in value:
            tensor = (
                arrays.get(value["__array__"]) if isinstance(arrays, dict) else None
            )
            if not isinstance(tensor, torch.Tensor):
                raise _NotOurs(f"array {name!r} is missing")
            value = tensor.numpy()
        else:
            value = _decode(value)
        setattr(estimator, name, value)
    state = payload.get("state_dict")
    if not isinstance(state, dict) or not state:
        raise _NotOurs("the weights are missing")
    if not all(
        torch.isfinite(t).all() for t in state.values() if t.is_floating_point()
    ):
        raise _NotOurs("its weights hold NaN or inf")
    estimator._check_fitted_arrays()
    estimator._restore_network(state)
    return estimator
