"""Shared base of the autoencoder estimators: hyperparameters, validation,
numpy <-> torch glue and batched inference."""

# License: BSD 3 clause

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, _fit_context  # noqa: F401 (re-exported)
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_ae import _persistence
from sklearn_ae._losses import LOSSES, SparsityPenalty, row_errors
from sklearn_ae._networks import (
    ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    RNN_CELLS,
    Autoencoder,
    ConvDecoder,
    ConvEncoder,
    DenseDecoder,
    DenseEncoder,
    RecurrentDecoder,
    RecurrentEncoder,
    Sigmoid,
)
from sklearn_ae._training import (
    SOLVERS,
    RowsDataset,
    build_net,
    continue_training,
    train,
)
from sklearn_ae._utils import as_rows, derive_seed, resolve_device, seeded

# Rows used to compute the input statistics and the PCA start: enough for
# stable estimates, few enough that a huge (or memmapped) X is never copied.
_INIT_SAMPLE = 10_000

# Floats per inference batch (rows x widest layer): keeps memory flat however
# many rows are passed.
_INFERENCE_BUDGET = 2**21


# Weight of the sparsity term with sparsity_weight="auto". "kl": strong enough
# to bring each unit's mean activation to sparsity_target (measured within
# 0.005 on digits, raw or standardised). "l1": Keras' usual activity weight;
# 1.0 shrank the code so far that digits were not reconstructed at all.
_AUTO_SPARSITY_WEIGHT = {"kl": 1.0, "l1": 0.01}

# Beyond this magnitude squared errors overflow float32 (max ~3.4e38).
_FLOAT32_LIMIT = 1e18


def _scale_of(values, mean):
    """Standard deviation per column, 1 where a column is (nearly) constant."""
    scale = values.std(axis=0)
    tiny = scale <= np.finfo(np.float32).eps * np.maximum(1.0, np.abs(mean))
    scale[tiny] = 1.0
    return scale


def _check_float32_range(X):
    """The network computes in float32: refuse values it would turn into inf."""
    values = X.data if sp.issparse(X) else X
    if values.size == 0:
        return
    # max and min, not abs(): no temporary copy of a large (memmapped) X.
    largest = max(abs(float(values.max())), abs(float(values.min())))
    if largest > _FLOAT32_LIMIT:
        raise ValueError(
            f"X holds values as large as {largest:.3g} in magnitude, beyond what "
            f"the network's float32 arithmetic can use (about {_FLOAT32_LIMIT:.0e}). "
            "Scale the data first, e.g. with sklearn.preprocessing.StandardScaler."
        )


class _BaseAutoencoder(BaseEstimator):
    """Hyperparameters, fitting and batched inference shared by all estimators.

    Not public: use :class:`~sklearn_ae.AutoencoderTransformer` and friends.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "output_activation": [StrOptions({"auto", *OUTPUT_ACTIVATIONS})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "init": [StrOptions({"pca", "random"})],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "adaptive", "cosine"})],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "accelerate": ["boolean"],
        "network": [StrOptions({"dense", "conv", "recurrent"})],
        "input_shape": [tuple, None],
        "conv_channels": [tuple],
        "upsampling": [StrOptions({"transpose", "nearest", "bilinear"})],
        # Recurrent networks (issue 5).
        "cell": [StrOptions(set(RNN_CELLS))],
        # Sparse codes (issue 5).
        "sparsity": [StrOptions({"l1", "kl"}), None],
        "sparsity_weight": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="left"),
        ],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        hidden_layer_sizes=(128, 64),
        activation="relu",
        output_activation="auto",
        dropout=0.0,
        alpha=0.0,
        loss="mse",
        init="pca",
        solver="adam",
        learning_rate_init=1e-3,
        learning_rate="adaptive",
        batch_size="auto",
        max_iter=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        accelerate=False,
        network="dense",
        input_shape=None,
        conv_channels=(32, 64),
        upsampling="transpose",
        cell="lstm",
        sparsity=None,
        sparsity_weight="auto",
        sparsity_target=0.05,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.dropout = dropout
        self.alpha = alpha
        self.loss = loss
        self.init = init
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.accelerate = accelerate
        self.network = network
        self.input_shape = input_shape
        self.conv_channels = conv_channels
        self.upsampling = upsampling
        self.cell = cell
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target

    # ------------------------------------------------------------------ fitted
    @property
    def encoder_(self):
        """The trained encoder, a ``torch.nn.Module`` mapping rows to codes."""
        if not hasattr(self, "_net"):
            raise AttributeError("encoder_ exists once the estimator is fitted.")
        return self._net.module_.encoder

    @property
    def decoder_(self):
        """The trained decoder, a ``torch.nn.Module`` mapping codes to rows."""
        if not hasattr(self, "_net"):
            raise AttributeError("decoder_ exists once the estimator is fitted.")
        return self._net.module_.decoder

    # ---------------------------------------------------------------- checking
    def _validate_X(self, X, *, reset):
        X, images_shape = self._flatten_images(X, reset=reset)
        X = validate_data(
            self,
            X,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            reset=reset,
        )
        _check_float32_range(X)
        if reset and self.network == "conv":
            self.input_shape_ = self._check_input_shape(X.shape[1], images_shape)
        if reset and self.network == "recurrent":
            self.input_shape_ = self._check_sequence_shape(X.shape[1])
        return X

    def _flatten_images(self, X, *, reset, name="X"):
        """Images shaped (n, H, W) or (n, H, W, C) -> flat rows in C, H, W order.

        Only for ``network="conv"``; flat rows (n, C*H*W) pass through.
        Returns the flat rows and the (C, H, W) of the images (None for rows).
        """
        ndim = getattr(X, "ndim", 2)
        if self.network != "conv" or ndim not in (3, 4):
            return X, None
        X = np.asarray(X)
        if ndim == 3:
            X = X[:, None, :, :]
        else:
            X = X.transpose(0, 3, 1, 2)  # channels last -> channels first
        shape = tuple(int(d) for d in X.shape[1:])
        expected = self.input_shape
        if not reset and expected is None:
            expected = getattr(self, "input_shape_", None)
        if name == "X" and expected is not None and tuple(expected) != shape:
            raise ValueError(
                f"{name} holds images of shape (C, H, W)={shape}, but "
                f"input_shape={tuple(expected)}. Pass images of that shape."
            )
        return X.reshape(len(X), -1), shape

    def _check_input_shape(self, n_features, images_shape=None):
        """The (C, H, W) that flat rows of ``n_features`` are viewed as."""
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
        factor = 2 ** len(self.conv_channels)
        if shape[1] % factor or shape[2] % factor:
            raise ValueError(
                f"input_shape={shape}: height and width must be divisible by "
                f"{factor} to pool evenly through {len(self.conv_channels)} conv "
                f"blocks, but they are {shape[1]} x {shape[2]}. Pad or crop the "
                "images, or use fewer conv_channels."
            )
        return shape

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} must be a "
                "sequence of positive integers, e.g. (64, 32)."
            )
        return tuple(int(s) for s in sizes)

    def _output_activation(self):
        if self.output_activation != "auto":
            return self.output_activation
        return "sigmoid" if self.loss == "bce" else "identity"

    def _check_loss_range(self, name, data):
        if self.loss != "bce":
            return
        low, high = data.min(), data.max()
        if low < 0 or high > 1:
            raise ValueError(
                f"loss='bce' needs {name} in [0, 1], but it holds values in "
                f"[{low:.4g}, {high:.4g}]. Scale it with "
                "sklearn.preprocessing.MinMaxScaler, or use loss='mse'."
            )

    def _resolve_batch_size(self, n_samples):
        if self.batch_size == "auto":
            # About 32 steps per epoch on small data, at most 256 rows a batch.
            return int(min(256, max(16, n_samples // 32)))
        return int(min(self.batch_size, n_samples))

    # ----------------------------------------------------------------- fitting
    def _make_corrupt(self, X, Y):
        """Corruption applied to each training batch (the denoiser's hook)."""
        return None

    def _make_penalty(self):
        """Extra loss term computed from the code (sparsity, KL)."""
        if self.sparsity is None:
            return None
        weight = self.sparsity_weight
        if weight == "auto":
            weight = _AUTO_SPARSITY_WEIGHT[self.sparsity]
        return SparsityPenalty(self.sparsity, weight, self.sparsity_target)

    def _engine_params(self, X, Y, device, *, partial):
        """Keyword arguments of the training engine for these hyperparameters.

        ``partial_fit`` trains one epoch per call, on all the rows it is given,
        at a constant learning rate.
        """
        return {
            "loss": self.loss,
            "penalty": self._make_penalty(),
            "corrupt": self._make_corrupt(X, Y),
            "solver": self.solver,
            "learning_rate_init": self.learning_rate_init,
            "learning_rate": "constant" if partial else self.learning_rate,
            "alpha": self.alpha,
            "batch_size": self._resolve_batch_size(X.shape[0]),
            "max_iter": 1 if partial else self.max_iter,
            "early_stopping": False if partial else self.early_stopping,
            "validation_fraction": self.validation_fraction,
            "n_iter_no_change": self.n_iter_no_change,
            "tol": self.tol,
            "device": str(device),
            "verbose": 0 if partial else self.verbose,
            "accelerate": self.accelerate and not partial,
        }

    def _fit_network(self, X, Y=None, *, partial=False):
        """Build and train the network on ``X`` (target ``Y``, else ``X``).

        With ``partial=True`` (``partial_fit``), a fitted network trains one
        more epoch on these rows, its optimizer state kept; an unfitted one is
        built from them and trained one epoch. Sets every fitted attribute at
        the end, so a failure (bad device, divergence) leaves the estimator as
        it was.
        """
        self._check_loss_range("X" if Y is None else "Y", X if Y is None else Y)
        dataset = RowsDataset(as_rows(X), None if Y is None else as_rows(Y))
        if partial and hasattr(self, "_net"):
            net = self._net
            # Each call shuffles differently, but repeatably for a fixed seed.
            seed = (derive_seed(self.random_state) + self.n_iter_) % np.iinfo(
                np.int32
            ).max
            net.train_split = None
            net.batch_size = self._resolve_batch_size(X.shape[0])
            with seeded(seed, torch.device(net.device)):
                result = continue_training(net, dataset, epochs=1)
            # The net's history may be shorter than ours (after ``load``).
            result.loss_curve = self.loss_curve_ + result.loss_curve[-1:]
            result.n_iter = len(result.loss_curve)
            result.validation_loss_curve = None
        else:
            hidden = self._hidden_sizes()
            device = resolve_device(self.device)
            seed = derive_seed(self.random_state)
            with seeded(seed, device):
                module = self._build_module(X, Y, hidden, seed)
                result = train(
                    module,
                    dataset,
                    **self._engine_params(X, Y, device, partial=partial),
                )
        result.net.module_.eval()
        if not partial:
            self._warn_if_unfinished(result)
        self._net = result.net
        self._paired = Y is not None
        self._target_width = int(X.shape[1] if Y is None else Y.shape[1])
        self.loss_curve_ = result.loss_curve
        self.validation_scores_ = (
            None
            if result.validation_loss_curve is None
            else [-loss for loss in result.validation_loss_curve]
        )
        self.best_loss_ = result.best_loss
        self.n_iter_ = result.n_iter
        return self

    def _warn_if_unfinished(self, result):
        if not result.stopped_early and result.n_iter == self.max_iter:
            advice = (
                "Increase max_iter or tol."
                if self.early_stopping
                else "Increase max_iter, or set early_stopping=True."
            )
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} epochs ran "
                f"before the loss stopped improving by tol={self.tol}. {advice}",
                ConvergenceWarning,
                stacklevel=4,
            )
        elif result.n_iter < self.max_iter and not result.stopped_early:
            warnings.warn(
                f"{type(self).__name__}: training was interrupted after "
                f"{result.n_iter} epochs; keeping the weights of the best epoch.",
                UserWarning,
                stacklevel=4,
            )

    def _restore_network(self, state_dict):
        """Rebuild the trained network from saved weights (see ``load``).

        The architecture depends only on the shapes, so it is built from
        random rows of the right widths, then every weight and buffer is
        overwritten by ``state_dict``.
        """
        rng = np.random.RandomState(0)
        n_rows = max(self._code_width(), 2) + 1
        X = rng.uniform(size=(n_rows, self.n_features_in_))
        Y = rng.uniform(size=(n_rows, self._target_width)) if self._paired else None
        device = torch.device("cpu")
        with seeded(0, device):
            module = self._build_module(X, Y, self._hidden_sizes(), 0)
        module.load_state_dict(state_dict)
        net = build_net(module, **self._engine_params(X, Y, device, partial=False))
        net.initialize()
        net.module_.eval()
        self._net = net

    def save(self, path):
        """Save the fitted estimator to ``path`` in a format that runs no code.

        Hyperparameters and fitted attributes are stored as JSON, the weights
        as tensors; :meth:`load` reads them back with
        ``torch.load(weights_only=True)``. Unlike pickle, loading such a file
        from an untrusted source cannot execute code. The optimizer state is
        not saved: ``partial_fit`` after ``load`` restarts it.

        Parameters
        ----------
        path : str or path-like
            Destination file, e.g. ``"model.skae"``.
        """
        _persistence.save(self, path)

    @classmethod
    def load(cls, path):
        """Load an estimator saved with :meth:`save`; it runs on the CPU.

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.

        Returns
        -------
        estimator : fitted estimator of this class
        """
        estimator = _persistence.load(path)
        if not isinstance(estimator, cls):
            raise TypeError(
                f"{path!s} holds a {type(estimator).__name__}, not a "
                f"{cls.__name__}. Use sklearn_ae.load to load any estimator."
            )
        return estimator

    def _init_sample(self, X, seed):
        """Up to ``_INIT_SAMPLE`` rows of X as a dense float64 array."""
        n = X.shape[0]
        if n > _INIT_SAMPLE:
            rows = np.sort(
                np.random.RandomState(seed).choice(n, _INIT_SAMPLE, replace=False)
            )
        else:
            rows = slice(None)
        part = X[rows]
        part = part.toarray() if sp.issparse(part) else part
        return np.asarray(part, dtype=np.float64), rows

    def _code_width(self):
        """Width of the whole code the network computes (all members')."""
        return self.n_components

    def _build_module(self, X, Y, hidden, seed, n_components=None):
        """The network for ``self.network``, with a code of ``n_components``.

        ``n_components`` overrides the hyperparameter (an ensemble builds
        members of several code widths).
        """
        k = self.n_components if n_components is None else int(n_components)
        if self.network == "conv":
            module = self._build_conv(X, Y, seed, k)
        elif self.network == "recurrent":
            module = self._build_recurrent(X, Y, hidden, seed, k)
        else:
            module = self._build_dense(X, Y, hidden, seed, k)
        return self._finish_module(module, k)

    def _encoder_outputs(self, k):
        """Outputs of an encoder for a code of ``k`` units (a variational
        encoder also outputs their log-variances: ``2 * k``)."""
        return k

    def _finish_module(self, module, k):
        """Last touch on a built ``Autoencoder`` (the variational hook).

        With ``sparsity="kl"`` the code goes through a sigmoid, so each unit's
        activation is in [0, 1] and its batch mean is a firing rate.
        """
        if self.sparsity == "kl":
            module.encoder = torch.nn.Sequential(module.encoder, Sigmoid())
        return module

    def _build_conv(self, X, Y, seed, k):
        """Convolutional encoder and decoder for ``input_shape_`` images."""
        Xs, _ = self._init_sample(X, seed)
        Ys = Xs if Y is None else self._init_sample(Y, seed)[0]
        c, h, w = self.input_shape_
        if Ys.shape[1] % (h * w):
            raise ValueError(
                f"The conv decoder outputs {h} x {w} images, so the target must "
                f"have a multiple of {h * w} columns, but it has {Ys.shape[1]}."
            )
        channels = tuple(int(ch) for ch in self.conv_channels)
        encoder = ConvEncoder(
            (c, h, w),
            self._encoder_outputs(k),
            channels,
            self.activation,
            self.dropout,
            mean=Xs.mean(),
            scale=Xs.std() or 1.0,
        )
        decoder = ConvDecoder(
            (Ys.shape[1] // (h * w), h, w),
            k,
            channels,
            self.activation,
            self.dropout,
            upsampling=self.upsampling,
            output_activation=self._output_activation(),
            mean=Ys.mean(),
            scale=Ys.std() or 1.0,
        )
        return Autoencoder(encoder, decoder)

    def _build_dense(self, X, Y, hidden, seed, k):
        """Dense encoder and decoder, starting from PCA when ``init="pca"``."""
        Xs, rows = self._init_sample(X, seed)
        Ys = Xs if Y is None else self._init_sample(Y, seed)[0]
        x_mean = Xs.mean(axis=0)
        y_mean = Ys.mean(axis=0)
        enc_components = dec_components = code_scale = None
        if self.init == "pca":
            r = min(k, Xs.shape[0], Xs.shape[1])
            pca = PCA(n_components=r, random_state=seed).fit(Xs)
            Z = pca.transform(Xs)
            # The decoder's linear start is the least-squares map from the codes
            # to the target: PCA's inverse transform when the target is X.
            coef = np.linalg.lstsq(Z, Ys - y_mean, rcond=None)[0]
            enc_components = np.zeros((self._encoder_outputs(k), Xs.shape[1]))
            enc_components[:r] = pca.components_
            dec_components = np.zeros((k, Ys.shape[1]))
            dec_components[:r] = coef
            code_scale = np.ones(k)
            code_scale[:r] = _scale_of(Z, np.zeros(r))

        def tensor(a):
            return None if a is None else torch.as_tensor(a, dtype=torch.float32)

        encoder = DenseEncoder(
            tensor(x_mean),
            tensor(_scale_of(Xs, x_mean)),
            self._encoder_outputs(k),
            hidden,
            self.activation,
            self.dropout,
            components=tensor(enc_components),
        )
        decoder = DenseDecoder(
            tensor(y_mean),
            tensor(_scale_of(Ys, y_mean)),
            k,
            hidden[::-1],
            self.activation,
            self.dropout,
            components=tensor(dec_components),
            code_scale=tensor(code_scale),
            output_activation=self._output_activation(),
        )
        return Autoencoder(encoder, decoder)

    def _check_sequence_shape(self, n_features):
        """The (window, n_channels) that flat rows are viewed as (recurrent)."""
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

    def _build_recurrent(self, X, Y, hidden, seed, k):
        """LSTM or GRU encoder and decoder for ``input_shape_`` sequences.

        ``init`` does not apply: the layers start from PyTorch's default
        initialisation. Channels are standardised with one mean and scale
        per channel, over all rows and time steps.
        """
        Xs, _ = self._init_sample(X, seed)
        Ys = Xs if Y is None else self._init_sample(Y, seed)[0]
        window, n_channels = self.input_shape_
        if Ys.shape[1] % window:
            raise ValueError(
                f"The recurrent decoder outputs {window} steps, so the target "
                f"must have a multiple of {window} columns, but it has "
                f"{Ys.shape[1]}."
            )
        out_channels = Ys.shape[1] // window

        def channel_stats(values, n):
            steps = values.reshape(-1, n)
            mean = steps.mean(axis=0)
            return (
                torch.as_tensor(mean, dtype=torch.float32),
                torch.as_tensor(_scale_of(steps, mean), dtype=torch.float32),
            )

        x_mean, x_scale = channel_stats(Xs, n_channels)
        y_mean, y_scale = channel_stats(Ys, out_channels)
        encoder = RecurrentEncoder(
            (window, n_channels),
            self._encoder_outputs(k),
            hidden,
            self.cell,
            self.dropout,
            mean=x_mean,
            scale=x_scale,
        )
        decoder = RecurrentDecoder(
            (window, out_channels),
            k,
            hidden[::-1],
            self.cell,
            self.dropout,
            output_activation=self._output_activation(),
            mean=y_mean,
            scale=y_scale,
        )
        return Autoencoder(encoder, decoder)

    # --------------------------------------------------------------- inference
    def _map_batches(self, X, fn, n_out, dtype, row_width=0):
        """Apply ``fn`` (tensor -> tensor) to X a batch at a time.

        The output is one preallocated array: no per-batch list is
        concatenated, so memory stays flat however many rows are passed.
        ``row_width`` is the number of values ``fn`` holds per row beyond
        the network's layers; it sizes the batches.
        """
        module = self._net.module_
        device = next(module.parameters()).device
        widest = max(
            X.shape[1], n_out, row_width, self._code_width(), *self._hidden_sizes()
        )
        if self.network == "conv":
            c, h, w = self.input_shape_
            widest = max(widest, max(self.conv_channels) * h * w)
        if self.network == "recurrent":
            # Every time step keeps its hidden state (and four LSTM gates).
            widest = max(widest, 4 * self.input_shape_[0] * max(self._hidden_sizes()))
        step = max(1, _INFERENCE_BUDGET // widest)
        out = np.empty((X.shape[0], n_out), dtype=dtype)
        module.eval()
        with torch.no_grad():
            for start in range(0, X.shape[0], step):
                part = X[start : start + step]
                part = part.toarray() if sp.issparse(part) else part
                batch = torch.as_tensor(np.asarray(part, dtype=np.float32))
                result = fn(batch.to(device)).cpu().numpy().reshape(len(part), -1)
                if not np.isfinite(result).all():
                    raise ValueError(
                        f"The network produced NaN or inf for rows {start} to "
                        f"{start + len(part) - 1}: their values are too far from "
                        "the training data for float32 arithmetic. Scale the data "
                        "as it was scaled for fit."
                    )
                out[start : start + step] = result
        return out

    def _encode(self, X):
        return self._map_batches(X, self.encoder_, self.n_components, X.dtype)

    def _decode(self, Z):
        return self._map_batches(Z, self.decoder_, self._target_width, Z.dtype)

    def _reconstruct(self, X):
        module = self._net.module_
        return self._map_batches(X, lambda x: module(x)[0], self._target_width, X.dtype)

    def _reconstruction_errors(self, X):
        """Mean squared reconstruction error of each row, shape (n_samples,)."""
        module = self._net.module_

        def errors(x):
            return row_errors(module(x)[0], x)

        return self._map_batches(X, errors, 1, X.dtype).ravel()

    def score_samples(self, X):
        """Minus the mean squared reconstruction error of each row.

        Higher is better (closer to the data the model was fitted on).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-mean((X - inverse_transform(transform(X))) ** 2, axis=1)``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return -self._reconstruction_errors(X)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples`: minus the mean reconstruction error.

        Higher is better, so ``GridSearchCV`` needs no ``scoring`` argument.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags


class _LatentMixin:
    """``transform`` / ``inverse_transform`` / ``partial_fit`` of the estimators
    whose code is public (the transformer and the denoiser)."""

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one epoch on a chunk of rows (the ``IncrementalPCA`` contract).

        The first call builds the network from this chunk's width (and its PCA
        start from the chunk); each later call trains one more epoch on the
        rows it is given, the optimizer state carried over. Use it to stream
        data that does not fit in memory, chunk by chunk.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training rows.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.
        """
        X = self._validate_X(X, reset=not hasattr(self, "_net"))
        self._fit_network(X, partial=True)
        self._n_features_out = self.n_components
        return self

    def transform(self, X):
        """Encode X: its code in the latent space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, in X's float dtype.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._encode(X)

    def inverse_transform(self, X):
        """Decode codes back to the input space (the reconstruction).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. the output of :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in_)
            Reconstructed rows.
        """
        check_is_fitted(self)
        return self._decode(self._validate_codes(X))

    def _validate_codes(self, Z):
        Z = check_array(Z, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform expects codes with n_components="
                f"{self.n_components} columns, but got {Z.shape[1]}. Pass the "
                "output of transform."
            )
        return Z
