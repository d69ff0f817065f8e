"""A safe file format for fitted estimators: JSON metadata and tensor weights.

``pickle`` (and ``joblib``) files run code when loaded: never load one from a
source you do not trust. :func:`save` writes a file that :func:`load` reads
with ``torch.load(weights_only=True)``, which rebuilds only tensors, numbers,
strings, lists and dicts, so loading executes nothing from the file.
"""

# License: BSD 3 clause

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

FORMAT = "sklearn_ae-model"
FORMAT_VERSION = 1


def _encode(name, value):
    """A JSON-able stand-in for a hyperparameter or fitted attribute."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
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


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: _decode(v) for k, v in value["__dict__"].items()}
        if "__ndarray__" in value:
            return np.array(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
    return value


def save(estimator, path):
    """Write a fitted estimator to ``path`` in the safe format.

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
    from sklearn_ae import __version__

    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    fitted, arrays = {}, {}
    for name, value in vars(estimator).items():
        if name in params or name == "_net":
            continue
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
        "sklearn_ae_version": __version__,
        "class": type(estimator).__name__,
        "params": {k: _encode(k, v) for k, v in params.items()},
        "fitted": fitted,
    }
    state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    torch.save({"meta": json.dumps(meta), "state_dict": state, "arrays": arrays}, path)


def _not_ours(path, reason):
    return ValueError(
        f"{path!s} is not a model file written by sklearn_ae's save ({reason}). "
        "Nothing from it was executed. If it is a pickle, only unpickle it if "
        "you trust its source."
    )


def load(path):
    """Read an estimator written by :func:`save`; runs no code from the file.

    Parameters
    ----------
    path : str or path-like
        File written by ``estimator.save(path)`` or :func:`sklearn_ae.save`.

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
    import sklearn_ae
    from sklearn_ae._base import _BaseAutoencoder

    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except (
        pickle.UnpicklingError,
        RuntimeError,
        EOFError,
        zipfile.BadZipFile,
        ValueError,
        KeyError,
        OSError,
        AttributeError,
    ) as exc:
        raise _not_ours(
            path, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        ) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("meta"), str)):
        raise _not_ours(path, "no sklearn_ae metadata")
    try:
        meta = json.loads(payload["meta"])
    except json.JSONDecodeError:
        raise _not_ours(path, "unreadable metadata") from None
    if meta.get("format") != FORMAT:
        raise _not_ours(path, f"format {meta.get('format')!r}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path!s} was written in sklearn_ae file format version "
            f"{meta.get('format_version')} (sklearn_ae "
            f"{meta.get('sklearn_ae_version')}); this sklearn_ae "
            f"({sklearn_ae.__version__}) reads version {FORMAT_VERSION}. "
            "Load it with the version that wrote it."
        )
    cls = getattr(sklearn_ae, meta["class"], None)
    if not (isinstance(cls, type) and issubclass(cls, _BaseAutoencoder)):
        raise _not_ours(path, f"unknown estimator class {meta['class']!r}")
    estimator = cls(**{k: _decode(v) for k, v in meta["params"].items()})
    arrays = payload.get("arrays", {})
    for name, value in meta["fitted"].items():
        if isinstance(value, dict) and "__array__" in value:
            tensor = (
                arrays.get(value["__array__"]) if isinstance(arrays, dict) else None
            )
            if not isinstance(tensor, torch.Tensor):
                raise _not_ours(path, f"array {name!r} is missing")
            value = tensor.numpy()
        else:
            value = _decode(value)
        setattr(estimator, name, value)
    estimator._restore_network(payload["state_dict"])
    return estimator
