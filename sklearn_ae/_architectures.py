"""Network kinds: dense (tables), conv (images), recurrent (sequences), and a
user's own network factory.

A kind is a value of the ``network`` hyperparameter (``Conv(channels=(16,
32))``) that carries its own settings, as a Gaussian process's kernel does,
so that a search can tune ``network__channels``; the strings of
:data:`ARCHITECTURES` are shortcuts for the kinds at their defaults, and a
callable ``factory(n_features_in, n_components) -> torch.nn.Module`` is a
kind of its own. Bound to an estimator (:meth:`NetworkKind.bind`, which adds
the settings every kind shares), a kind checks and reshapes the input,
computes statistics from a sample of the training rows (means, scales, the
PCA start) and builds a module from shapes and those statistics alone. After
``load`` a module is built from shapes only: every weight and buffer is then
overwritten by the saved state, so no statistic is ever computed from
placeholder data.

A new built-in kind is a class here (its settings in ``__init__``), its
modules in ``_networks.py``, an entry in :data:`ARCHITECTURES`, and its name
in ``sklearn_ae/__init__.py`` and ``docs/api.rst``.
"""

# License: BSD 3 clause

from __future__ import annotations

import copy
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA

from sklearn_ae import _persistence
from sklearn_ae._networks import (
    RNN_CELLS,
    Autoencoder,
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    EnsembleDecoder,
    EnsembleEncoder,
    MissingAsMean,
    RecurrentDecoder,
    RecurrentEncoder,
)
from sklearn_ae._utils import sample_rows


def _nan_mean(values):
    """Mean of the observed (not NaN) entries of each column; 0 for a column
    with none."""
    observed = ~np.isnan(values)
    if observed.all():
        return values.mean(axis=0)
    total = np.where(observed, values, 0.0).sum(axis=0)
    return total / np.maximum(observed.sum(axis=0), 1)


def _fill_nan(values, fill):
    """``values`` with each NaN replaced by its column's ``fill``."""
    missing = np.isnan(values)
    if not missing.any():
        return values
    return np.where(missing, fill, values)


def _scale_of(values, mean):
    """Standard deviation per column (of the observed entries: NaN is
    missing), 1 where a column is (nearly) constant."""
    observed = ~np.isnan(values)
    if observed.all():
        scale = values.std(axis=0)
    else:
        squares = np.where(observed, values - mean, 0.0) ** 2
        scale = np.sqrt(squares.sum(axis=0) / np.maximum(observed.sum(axis=0), 1))
    tiny = scale <= np.finfo(np.float32).eps * np.maximum(1.0, np.abs(mean))
    scale[tiny] = 1.0
    return scale


def _in_unit_range(values):
    """Whether every observed entry (NaN is missing) lies in [0, 1]."""
    values = values.data if sp.issparse(values) else values
    values = values[~np.isnan(values)]
    return values.size > 0 and float(values.min()) >= 0 and float(values.max()) <= 1


def _tensor(a):
    return torch.as_tensor(np.asarray(a, dtype=np.float32))


def check_code_width(k, n_features):
    """Refuse a code so wide that building the network alone would exhaust
    memory (the PCA start and the first layers hold k x n_features floats)."""
    limit = max(16 * n_features, 4096)
    if k > limit:
        raise ValueError(
            f"n_components={k} is far wider than the {n_features} input "
            f"features: the network's first layers alone would hold about "
            f"{k * n_features * 4 / 1e9:.3g} GB of weights. A code is a "
            f"reduction (or a small expansion, for sparse codes): choose "
            f"n_components <= {limit}."
        )


class NetworkKind(BaseEstimator):
    """What every network kind shares: the settings read from the estimator
    and the interface. Not public: its subclasses are."""

    sigmoid_for_unit_range = False
    # Whether missing values (NaN) in X can enter: the dense network's
    # statistics and masked loss handle them; the others refuse them.
    takes_missing = False

    # A saved model names its kind by class name (see _persistence).
    saved_by_name = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.saved_by_name:
            _persistence.register_value(cls)

    def bind(self, estimator):
        """A copy of this kind with ``estimator``'s shared settings (widths,
        activation, dropout, input shape...) and its own checked."""
        bound = copy.copy(self)
        bound._bind(estimator)
        return bound

    def _bind(self, estimator):
        self.estimator_name = type(estimator).__name__
        sizes = estimator.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not sizes or not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes={estimator.hidden_layer_sizes!r} must be a "
                "sequence of positive integers, e.g. (64, 32)."
            )
        self.hidden = tuple(int(s) for s in sizes)
        self.activation = estimator.activation
        self.dropout = estimator.dropout
        self.output_activation = getattr(estimator, "output_activation_", None)
        if self.output_activation is None:  # not fitted: validation only
            self.output_activation = self.output_for(estimator, None)
        self.input_shape = estimator.input_shape
        self.fitted_shape = getattr(estimator, "input_shape_", None)

    def check_missing(self, X):
        """NaN marks a missing entry, which only some network kinds take."""
        values = X.data if sp.issparse(X) else X
        if not self.takes_missing and np.isnan(values).any():
            raise ValueError(
                f"Input X contains NaN, but network={self!r} cannot take "
                "missing values: only the dense network and a network of yours "
                "can (a NaN entry then "
                "enters as its column's mean and the loss skips it). Impute "
                "first, e.g. with sklearn_ae.AutoencoderImputer or "
                "sklearn.impute.SimpleImputer."
            )

    def output_for(self, estimator, target):
        """The output activation ``output_activation="auto"`` resolves to.

        A sigmoid for probabilities (``loss="bce"``); on a dense network
        whose training targets all lie in [0, 1] (pixels, min-max scaled
        columns) a sigmoid too, so that outputs stay in that range, unless
        the estimator opts out; else none.
        """
        if estimator.output_activation != "auto":
            return estimator.output_activation
        if estimator.loss == "bce":
            return "sigmoid"
        if (
            target is not None
            and self.sigmoid_for_unit_range
            and estimator._sigmoid_for_unit_range
            and _in_unit_range(target)
        ):
            return "sigmoid"
        return "identity"

    def flatten(self, X, *, reset, name="X"):
        """Rows as a 2-D array and the shape of one input (None for rows)."""
        return X, None

    def check_shape(self, n_features, images_shape):
        """The shape one row is viewed as (``input_shape_``), or None."""
        return None

    def row_floats(self, n_features, n_outputs, widths):
        """Values one row holds in the network's tensors during a forward
        pass, every member of ``widths`` counted: sizes inference chunks.

        An upper bound, the sum over every intermediate tensor (a dense
        member: the centred and scaled inputs, each layer before and after
        its activation, the code, the output and its rescaled forms), as if
        none were freed before the pass ends.
        """
        per_member = 3 * (n_features + n_outputs) + 4 * sum(self.hidden)
        return len(widths) * per_member + 2 * sum(widths)

    def build_from_data(self, X, Y, recipe, seed, n_outputs):
        """The module a recipe trains, started from statistics of up to
        10,000 rows of the inputs ``X`` and of the first ``n_outputs``
        columns of the targets ``Y`` (the others, e.g. class labels, are not
        the decoder's)."""
        k = max(recipe.widths)
        check_code_width(k, X.shape[1])
        Ys = sample_rows(Y, seed)[:, :n_outputs]
        stats = self.statistics(sample_rows(X, seed), Ys, k, seed)
        return self.build_module(X.shape[1], n_outputs, recipe, stats)

    def build_module(self, n_features, n_outputs, recipe, stats=None):
        """The module a recipe trains: one member per code width in
        ``recipe.widths`` (side by side as one module for an ensemble), from
        data statistics or, after ``load``, shapes alone."""
        members = []
        for k in recipe.widths:
            member = self.build(
                n_features, n_outputs, k, recipe.encoder_outputs * k, stats
            )
            members.append(recipe.finish(member, k) if recipe.finish else member)
        if not recipe.ensemble:
            (member,) = members
            return member
        return Autoencoder(
            EnsembleEncoder([m.encoder for m in members]),
            EnsembleDecoder([m.decoder for m in members], recipe.widths),
        )


class Dense(NetworkKind):
    """Dense encoder and decoder, for rows of a table: ``network="dense"``.

    The encoder is a stack of dense layers of widths ``hidden_layer_sizes``
    (the estimator's), the decoder mirrors it. With ``init="pca"`` both
    start from the PCA solution: a linear path initialised from PCA plus a
    non-linear residual whose last layer starts at zero. The only kind that
    takes missing values (NaN): a missing entry enters as its column's mean
    and the loss skips it.

    Read more in :ref:`custom_training`.

    Examples
    --------
    >>> from sklearn_ae import AutoencoderTransformer, Dense
    >>> AutoencoderTransformer(network=Dense()).get_params()["network"]
    Dense()
    """

    # Measured in bench_reconstruction.py and bench_denoising.py: on digits
    # a sigmoid output started linearised at the mean (see DenseDecoder) cut
    # the test error (k=8: 0.512 -> 0.473 of PCA's); not yet measured for
    # the conv and recurrent decoders, which keep "identity".
    sigmoid_for_unit_range = True
    takes_missing = True

    def _bind(self, estimator):
        super()._bind(estimator)
        self.pca_start = estimator.init == "pca"
        # The imputer's encoder also reads which entries are missing.
        self.missing_indicator = getattr(estimator, "_missing_indicator", False)

    def statistics(self, X, Y, n_components, seed):
        """Means, scales and the PCA start (``n_components`` wide) of a sample.

        NaN marks a missing entry: means and scales are those of the observed
        entries, and the PCA start is computed with each missing entry set to
        its column's mean (as the encoder sees it).
        """
        x_mean, y_mean = _nan_mean(X), _nan_mean(Y)
        stats = {
            "x_mean": x_mean,
            "x_scale": _scale_of(X, x_mean),
            "y_mean": y_mean,
            "y_scale": _scale_of(Y, y_mean),
        }
        X, Y = _fill_nan(X, x_mean), _fill_nan(Y, y_mean)
        if self.pca_start:
            k = n_components
            r = min(k, *X.shape)
            with warnings.catch_warnings():
                # Constant or one-row samples make PCA divide 0 by 0; the
                # components are then zero, a valid (if idle) start.
                warnings.simplefilter("ignore", RuntimeWarning)
                pca = PCA(n_components=r, random_state=seed).fit(X)
                Z = pca.transform(X)
            Z = np.nan_to_num(Z)
            components = np.zeros((k, X.shape[1]))
            components[:r] = np.nan_to_num(pca.components_)
            # The decoder's linear start is the least-squares map from the
            # codes to the target: PCA's inverse transform when it is X.
            coef = np.zeros((k, Y.shape[1]))
            coef[:r] = np.linalg.lstsq(Z, Y - y_mean, rcond=None)[0]
            code_scale = np.ones(k)
            code_scale[:r] = _scale_of(Z, np.zeros(r))
            stats.update(components=components, coef=coef, code_scale=code_scale)
        return stats

    def build(self, n_features, n_outputs, k, encoder_outputs, stats=None):
        """A member with a code of ``k`` units (the encoder gives
        ``encoder_outputs`` of them, e.g. a mean and a log-variance each)."""
        if stats is None:  # shapes only: the saved state fills every value
            stats = {
                "x_mean": np.zeros(n_features),
                "x_scale": np.ones(n_features),
                "y_mean": np.zeros(n_outputs),
                "y_scale": np.ones(n_outputs),
            }
            if self.pca_start:
                stats.update(
                    components=np.zeros((k, n_features)),
                    coef=np.zeros((k, n_outputs)),
                    code_scale=np.ones(k),
                )
        enc_components = dec_components = code_scale = None
        if self.pca_start:
            enc_components = np.zeros((encoder_outputs, n_features))
            enc_components[:k] = stats["components"][:k]
            enc_components = _tensor(enc_components)
            dec_components = _tensor(stats["coef"][:k])
            code_scale = _tensor(stats["code_scale"][:k])
        encoder = DenseEncoder(
            _tensor(stats["x_mean"]),
            _tensor(stats["x_scale"]),
            encoder_outputs,
            self.hidden,
            self.activation,
            self.dropout,
            components=enc_components,
            missing_indicator=self.missing_indicator,
        )
        decoder = DenseDecoder(
            _tensor(stats["y_mean"]),
            _tensor(stats["y_scale"]),
            k,
            self.hidden[::-1],
            self.activation,
            self.dropout,
            components=dec_components,
            code_scale=code_scale,
            output_activation=self.output_activation,
        )
        return Autoencoder(encoder, decoder)


class Conv(NetworkKind):
    """Convolutional encoder and decoder for images: ``network="conv"``.

    Each flat row is viewed as an image of ``input_shape=(C, H, W)`` (the
    estimator's; or X holds images shaped (n_samples, H, W) or (n_samples,
    H, W, C)). The encoder is a block per entry of ``channels`` (a 3x3
    convolution, the activation, a 2x2 max-pooling) and a dense layer to
    the code; the decoder mirrors it, doubling the resolution per block.
    ``hidden_layer_sizes`` and ``init`` do not apply.

    Read more in :ref:`custom_training`.

    Parameters
    ----------
    channels : tuple of int, default=(32, 64)
        Channels of the convolutional blocks. H and W must be divisible by
        ``2 ** len(channels)``.
    upsampling : {"transpose", "nearest", "bilinear"}, default="transpose"
        How the decoder doubles the resolution: a learnable
        ``ConvTranspose2d``, or ``Upsample`` followed by a 3x3 ``Conv2d``.

    Examples
    --------
    >>> from sklearn_ae import AutoencoderTransformer, Conv
    >>> ae = AutoencoderTransformer(network=Conv(channels=(8, 16)))
    >>> ae.get_params()["network__channels"]
    (8, 16)
    """

    def __init__(self, channels=(32, 64), upsampling="transpose"):
        self.channels = channels
        self.upsampling = upsampling

    def _bind(self, estimator):
        super()._bind(estimator)
        channels = self.channels
        if isinstance(channels, Integral):
            channels = (channels,)
        if not (
            isinstance(channels, (tuple, list))
            and channels
            and all(isinstance(c, Integral) and c > 0 for c in channels)
        ):
            raise ValueError(
                f"Conv(channels={self.channels!r}): channels must be a tuple of "
                "positive integers, one per convolutional block, e.g. (32, 64)."
            )
        if self.upsampling not in ("transpose", "nearest", "bilinear"):
            raise ValueError(
                f"Conv(upsampling={self.upsampling!r}) must be one of "
                "'transpose', 'nearest', 'bilinear'."
            )
        self.channels = tuple(int(c) for c in channels)

    def flatten(self, X, *, reset, name="X"):
        """Images (n, H, W) or (n, H, W, C) -> flat rows in C, H, W order."""
        ndim = getattr(X, "ndim", 2)
        if ndim not in (3, 4):
            return X, None
        X = np.asarray(X)
        X = X[:, None, :, :] if ndim == 3 else X.transpose(0, 3, 1, 2)
        shape = tuple(int(d) for d in X.shape[1:])
        expected = self.input_shape
        if not reset and expected is None:
            expected = self.fitted_shape
        if name == "X" and expected is not None and tuple(expected) != shape:
            raise ValueError(
                f"{name} holds images of shape (C, H, W)={shape}, but "
                f"input_shape={tuple(expected)}. Pass images of that shape."
            )
        return X.reshape(len(X), -1), shape

    def check_shape(self, n_features, images_shape):
        shape = self.input_shape if self.input_shape is not None else images_shape
        if shape is None:
            raise ValueError(
                "network='conv' needs input_shape=(C, H, W) to view flat rows "
                "as images, e.g. input_shape=(1, 28, 28); or pass X shaped "
                "(n_samples, H, W) or (n_samples, H, W, C)."
            )
        shape = tuple(int(d) for d in shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(
                f"input_shape={shape} must be the (C, H, W) of one image, three "
                "positive integers."
            )
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"input_shape={shape} implies {int(np.prod(shape))} features, but "
                f"X has {n_features}. Pass the shape of one image, not of the batch."
            )
        factor = 2 ** len(self.channels)
        if shape[1] % factor or shape[2] % factor:
            raise ValueError(
                f"input_shape={shape}: height and width must be divisible by "
                f"{factor} to pool evenly through {len(self.channels)} conv "
                f"blocks, but they are {shape[1]} x {shape[2]}. Pad or crop the "
                "images, or use fewer Conv(channels=...)."
            )
        return shape

    def _out_channels(self, n_outputs):
        c, h, w = self.fitted_shape
        if n_outputs % (h * w):
            raise ValueError(
                f"The conv decoder outputs {h} x {w} images, so the target must "
                f"have a multiple of {h * w} columns, but it has {n_outputs}."
            )
        return n_outputs // (h * w)

    def statistics(self, X, Y, n_components, seed):
        self._out_channels(Y.shape[1])
        return {
            "x_mean": X.mean(),
            "x_scale": X.std() or 1.0,
            "y_mean": Y.mean(),
            "y_scale": Y.std() or 1.0,
        }

    def build(self, n_features, n_outputs, k, encoder_outputs, stats=None):
        stats = stats or {"x_mean": 0.0, "x_scale": 1.0, "y_mean": 0.0, "y_scale": 1.0}
        c, h, w = self.fitted_shape
        encoder = ConvEncoder(
            (c, h, w),
            encoder_outputs,
            self.channels,
            self.activation,
            self.dropout,
            mean=stats["x_mean"],
            scale=stats["x_scale"],
        )
        decoder = ConvDecoder(
            (self._out_channels(n_outputs), h, w),
            k,
            self.channels,
            self.activation,
            self.dropout,
            upsampling=self.upsampling,
            output_activation=self.output_activation,
            mean=stats["y_mean"],
            scale=stats["y_scale"],
        )
        return Autoencoder(encoder, decoder)

    def row_floats(self, n_features, n_outputs, widths):
        # Each conv block, in the encoder and its mirror in the decoder,
        # holds its convolution's output, the activation and the pooled (or
        # upsampled) map: channels x the block's pixels, three times.
        c, h, w = self.fitted_shape
        maps = sum(ch * h * w // 4**i for i, ch in enumerate(self.channels))
        return (
            super().row_floats(n_features, n_outputs, widths)
            + len(widths) * 2 * 3 * maps
        )


class Recurrent(NetworkKind):
    """LSTM or GRU encoder and decoder for sequences: ``network="recurrent"``.

    Each flat row is viewed as a sequence of ``input_shape=(window,
    n_channels)`` (the estimator's; :func:`~sklearn_ae.sliding_windows`
    builds such rows). A stack of recurrent layers of widths
    ``hidden_layer_sizes`` reads it, its last hidden state gives the code,
    and a mirrored stack unrolls the code over the ``window`` steps.
    ``init`` does not apply: the layers start from PyTorch's default
    initialisation. Channels are standardised with one mean and scale per
    channel, over all rows and time steps.

    Read more in :ref:`custom_training`.

    Parameters
    ----------
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent layer type.

    Examples
    --------
    >>> from sklearn_ae import AutoencoderTransformer, Recurrent
    >>> AutoencoderTransformer(network=Recurrent(cell="gru")).network
    Recurrent(cell='gru')
    """

    def __init__(self, cell="lstm"):
        self.cell = cell

    def _bind(self, estimator):
        super()._bind(estimator)
        if self.cell not in RNN_CELLS:
            raise ValueError(
                f"Recurrent(cell={self.cell!r}) must be one of "
                f"{', '.join(map(repr, RNN_CELLS))}."
            )

    def check_shape(self, n_features, images_shape):
        shape = self.input_shape
        if shape is None:
            raise ValueError(
                "network='recurrent' needs input_shape=(window, n_channels) to "
                "view flat rows as sequences, e.g. input_shape=(48, 1) for "
                "windows of 48 steps of one series; sklearn_ae.sliding_windows "
                "builds such rows."
            )
        shape = tuple(int(d) for d in shape)
        if len(shape) != 2 or min(shape) < 1:
            raise ValueError(
                f"input_shape={shape} must be the (window, n_channels) of one "
                "sequence, two positive integers."
            )
        if shape[0] * shape[1] != n_features:
            raise ValueError(
                f"input_shape={shape} implies {shape[0] * shape[1]} features "
                f"({shape[0]} steps x {shape[1]} channels), but X has "
                f"{n_features}. Pass the shape of one window, not of the batch."
            )
        return shape

    def _out_channels(self, n_outputs):
        window = self.fitted_shape[0]
        if n_outputs % window:
            raise ValueError(
                f"The recurrent decoder outputs {window} steps, so the target "
                f"must have a multiple of {window} columns, but it has "
                f"{n_outputs}."
            )
        return n_outputs // window

    def statistics(self, X, Y, n_components, seed):
        stats = {}
        for name, values, n in [
            ("x", X, self.fitted_shape[1]),
            ("y", Y, self._out_channels(Y.shape[1])),
        ]:
            steps = values.reshape(-1, n)
            mean = steps.mean(axis=0)
            stats[f"{name}_mean"] = _tensor(mean)
            stats[f"{name}_scale"] = _tensor(_scale_of(steps, mean))
        return stats

    def build(self, n_features, n_outputs, k, encoder_outputs, stats=None):
        stats = stats or {}
        window, n_channels = self.fitted_shape
        encoder = RecurrentEncoder(
            (window, n_channels),
            encoder_outputs,
            self.hidden,
            self.cell,
            self.dropout,
            mean=stats.get("x_mean"),
            scale=stats.get("x_scale"),
        )
        decoder = RecurrentDecoder(
            (window, self._out_channels(n_outputs)),
            k,
            self.hidden[::-1],
            self.cell,
            self.dropout,
            output_activation=self.output_activation,
            mean=stats.get("y_mean"),
            scale=stats.get("y_scale"),
        )
        return Autoencoder(encoder, decoder)

    def row_floats(self, n_features, n_outputs, widths):
        # Every time step of every layer, in the encoder and the decoder,
        # keeps its hidden state and four LSTM gates.
        window = self.fitted_shape[0]
        return super().row_floats(n_features, n_outputs, widths) + len(
            widths
        ) * 2 * 5 * window * sum(self.hidden)


ARCHITECTURES = {"dense": Dense, "conv": Conv, "recurrent": Recurrent}


class Factory(NetworkKind):
    """A user's network: ``factory(n_features_in, n_components)`` returns a
    ``torch.nn.Module`` with ``encoder`` and ``decoder`` submodules whose
    ``forward(x)`` returns ``(output, code)``. Checked when it is built
    (:meth:`build_from_data`): its code width, its output's shape. A missing
    entry (NaN) enters it as its column's mean (:class:`MissingAsMean`), and
    the loss skips it, as with the dense network."""

    # Saved as the factory's import path, loaded only when trusted.
    saved_by_name = False
    takes_missing = True

    def __init__(self, factory):
        self.factory = factory

    def __repr__(self):
        return _callable_name(self.factory)

    def check_shape(self, n_features, images_shape):
        shape = self.input_shape if self.input_shape is not None else images_shape
        if shape is None:
            return None
        shape = tuple(int(d) for d in shape)
        if int(np.prod(shape)) != n_features:
            raise ValueError(
                f"input_shape={shape} implies {int(np.prod(shape))} features, but "
                f"X has {n_features}. Pass the shape of one row, not of the batch."
            )
        return shape

    def flatten(self, X, *, reset, name="X"):
        # Images come in as flat rows in C, H, W order, as for Conv.
        return Conv.flatten(self, X, reset=reset, name=name)

    def statistics(self, X, Y, n_components, seed):
        return {
            "x_mean": _nan_mean(X),
            "probe": torch.tensor(np.array(X[:2], dtype=np.float32)),
        }

    def build(self, n_features, n_outputs, k, encoder_outputs, stats=None):
        name = _callable_name(self.factory)
        if encoder_outputs != k:
            raise ValueError(
                f"{self.estimator_name} needs an encoder with {encoder_outputs} "
                f"outputs for a code of {k} units (a mean and a log-variance "
                f"each), which network={name} does not build: it returns a "
                "code of n_components units. Use a built-in network kind with "
                f"{self.estimator_name}, or your network with "
                "AutoencoderTransformer."
            )
        module = self.factory(n_features, k)
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                f"network={name} returned {type(module).__name__}, not a "
                "torch.nn.Module. A network factory builds the module: "
                "factory(n_features_in, n_components) -> torch.nn.Module."
            )
        missing = [
            part
            for part in ("encoder", "decoder")
            if not isinstance(getattr(module, part, None), torch.nn.Module)
        ]
        if missing:
            raise ValueError(
                f"network={name} returned a {type(module).__name__} without "
                f"{' and '.join(missing)}: the module must have an encoder "
                "(rows -> codes) and a decoder (codes -> outputs) as "
                "submodules, and forward(x) must return (output, code)."
            )
        mean = np.zeros(n_features) if stats is None else stats["x_mean"]
        module = MissingAsMean(module, _tensor(mean))
        if stats is not None:
            _check_module(module, name, stats["probe"], k, n_outputs)
        return module


def _check_module(module, name, probe, k, n_outputs):
    """Run ``module`` on two training rows (eval mode, no gradient) and check
    the shapes of its code and output."""
    training = module.training
    module.eval()
    try:
        with torch.no_grad():
            code = module.encoder(probe)
            result = module(probe)
    finally:
        module.train(training)
    n = len(probe)
    if not isinstance(code, torch.Tensor) or tuple(code.shape) != (n, k):
        got = tuple(code.shape) if isinstance(code, torch.Tensor) else type(code)
        raise ValueError(
            f"network={name}: the encoder maps {n} rows to codes of shape "
            f"{got}, but n_components={k} asks for ({n}, {k}). Make its last "
            "layer output n_components units (the factory receives it)."
        )
    if not (isinstance(result, tuple) and len(result) == 2):
        raise ValueError(
            f"network={name}: forward(x) returned {type(result).__name__}, "
            "but it must return (output, code), e.g. z = self.encoder(x); "
            "return self.decoder(z), z."
        )
    output = result[0]
    if not isinstance(output, torch.Tensor) or tuple(output.shape) != (n, n_outputs):
        got = tuple(output.shape) if isinstance(output, torch.Tensor) else None
        raise ValueError(
            f"network={name}: the output for {n} rows has shape {got}, but the "
            f"target rows have {n_outputs} columns: it must be ({n}, "
            f"{n_outputs}). Flatten images to rows, e.g. output.flatten(1)."
        )


def _callable_name(factory):
    module = getattr(factory, "__module__", None)
    name = getattr(factory, "__qualname__", None) or type(factory).__qualname__
    return f"{module}.{name}" if module else name


def network_kind(network):
    """The kind a ``network`` hyperparameter names: a built-in kind (a value
    or its string shortcut) or a user's factory."""
    if isinstance(network, str):
        if network not in ARCHITECTURES:
            raise ValueError(
                f"network={network!r} is not a network kind. Use one of "
                f"{sorted(ARCHITECTURES)}, a kind with its settings (e.g. "
                "Conv(channels=(16, 32))), or a factory "
                "f(n_features_in, n_components) -> torch.nn.Module."
            )
        return ARCHITECTURES[network]()
    if isinstance(network, NetworkKind):
        return network
    if isinstance(network, type) and issubclass(network, NetworkKind):
        raise TypeError(
            f"network={network.__name__} is the class; pass an instance, e.g. "
            f"network={network.__name__}()."
        )
    if callable(network):
        return Factory(network)
    raise TypeError(
        f"network={network!r} must be one of {sorted(ARCHITECTURES)}, a network "
        "kind such as Conv(), or a callable factory(n_features_in, "
        "n_components) -> torch.nn.Module."
    )
