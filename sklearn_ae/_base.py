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
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_ae import _persistence
from sklearn_ae._losses import LOSSES, row_errors
from sklearn_ae._networks import (
    ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    Autoencoder,
    DenseDecoder,
    DenseEncoder,
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
        X = validate_data(
            self,
            X,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            reset=reset,
        )
        _check_float32_range(X)
        return X

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
    def _make_corrupt(self):
        """Corruption applied to each training batch (the denoiser's hook)."""
        return None

    def _make_penalty(self):
        """Extra loss term computed from the code (sparsity, KL)."""
        return None

    def _engine_params(self, n_samples, device, *, partial):
        """Keyword arguments of the training engine for these hyperparameters.

        ``partial_fit`` trains one epoch per call, on all the rows it is given,
        at a constant learning rate.
        """
        return {
            "loss": self.loss,
            "penalty": self._make_penalty(),
            "corrupt": self._make_corrupt(),
            "solver": self.solver,
            "learning_rate_init": self.learning_rate_init,
            "learning_rate": "constant" if partial else self.learning_rate,
            "alpha": self.alpha,
            "batch_size": self._resolve_batch_size(n_samples),
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
                    **self._engine_params(X.shape[0], device, partial=partial),
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
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} epochs ran "
                f"before the loss stopped improving by tol={self.tol}. Increase "
                "max_iter, or set early_stopping=True.",
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
        net = build_net(module, **self._engine_params(n_rows, device, partial=False))
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
        """Dense encoder and decoder, starting from PCA when ``init="pca"``.

        ``n_components`` overrides the hyperparameter (an ensemble builds
        members of several code widths).
        """
        Xs, rows = self._init_sample(X, seed)
        Ys = Xs if Y is None else self._init_sample(Y, seed)[0]
        x_mean = Xs.mean(axis=0)
        y_mean = Ys.mean(axis=0)
        k = self.n_components if n_components is None else n_components
        enc_components = dec_components = code_scale = None
        if self.init == "pca":
            r = min(k, Xs.shape[0], Xs.shape[1])
            pca = PCA(n_components=r, random_state=seed).fit(Xs)
            Z = pca.transform(Xs)
            # The decoder's linear start is the least-squares map from the codes
            # to the target: PCA's inverse transform when the target is X.
            coef = np.linalg.lstsq(Z, Ys - y_mean, rcond=None)[0]
            enc_components = np.zeros((k, Xs.shape[1]))
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
            k,
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

    # --------------------------------------------------------------- inference
    def _map_batches(self, X, fn, n_out, dtype):
        """Apply ``fn`` (tensor -> tensor) to X a batch at a time.

        The output is one preallocated array: no per-batch list is
        concatenated, so memory stays flat however many rows are passed.
        """
        module = self._net.module_
        device = next(module.parameters()).device
        widest = max(X.shape[1], n_out, self._code_width(), *self._hidden_sizes())
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
