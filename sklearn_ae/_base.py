"""Shared base of the estimators: parameter rules, input validation, the fit
template, chunked inference, scoring and the save/load methods.

Each estimator says what to train in one place, its ``_recipe``; the base
builds the network for the ``network`` kind (``_architectures``) and runs the
one training engine (``_training``).
"""

# License: BSD 3 clause

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from sklearn_ae import _persistence
from sklearn_ae._architectures import ARCHITECTURES
from sklearn_ae._losses import LOSSES, SparsityPenalty
from sklearn_ae._networks import ACTIVATIONS, OUTPUT_ACTIVATIONS, RNN_CELLS, Sigmoid
from sklearn_ae._sklearn_compat import (
    Interval,
    StrOptions,
    get_chunk_n_rows,
    validate_data,
)
from sklearn_ae._training import (
    SOLVERS,
    RowsDataset,
    TrainSettings,
    build_net,
    continue_training,
    train,
)
from sklearn_ae._utils import (
    as_rows,
    assign_params,
    caller_level,
    check_float32_range,
    derive_seed,
    fit_method,
    resolve_device,
    sample_rows,
    seeded,
)

# Weight of the sparsity term with sparsity_weight="auto". "kl": strong enough
# to bring each unit's mean activation to sparsity_target. "l1": Keras' usual
# activity weight; 1.0 shrank the code until digits were not reconstructed.
_AUTO_SPARSITY_WEIGHT = {"kl": 1.0, "l1": 0.01}


@dataclass(frozen=True)
class Recipe:
    """What an estimator trains: the base builds the module and runs it.

    ``widths`` lists the code width of each member: one for a plain
    autoencoder; an ``ensemble`` trains its members side by side and stacks
    their outputs on dimension 1 (even with one member);
    ``encoder_outputs`` is how many encoder outputs a code unit takes (two
    for a Gaussian posterior's mean and log-variance); ``finish`` turns a
    built member into the module to train.
    """

    widths: tuple
    ensemble: bool = False
    loss: object = "mse"
    penalty: object = None
    corrupt: object = None
    encoder_outputs: int = 1
    finish: object = None
    warn_unconverged: bool = True


class _BaseAutoencoder(BaseEstimator):
    """Parameter rules, the fit template and batched inference of every estimator.

    Not public. Each subclass owns its ``__init__`` with its defaults (this
    one has none), its public methods, and one ``_recipe``.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "output_activation": [StrOptions({"auto", *OUTPUT_ACTIVATIONS})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "init": [StrOptions({"pca", "random"})],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "adaptive", "cosine"})],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "accelerate": ["boolean"],
        "network": [StrOptions(set(ARCHITECTURES))],
        "input_shape": [tuple, None],
        "conv_channels": [tuple],
        "upsampling": [StrOptions({"transpose", "nearest", "bilinear"})],
        "cell": [StrOptions(set(RNN_CELLS))],
        "sparsity": [StrOptions({"l1", "kl"}), None],
        "sparsity_weight": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
    }

    # Fitted attributes that ``save`` writes and ``load`` restores; a
    # subclass adds its own. ``load`` sets no other name.
    _fitted_attributes = (
        "n_features_in_",
        "feature_names_in_",
        "input_shape_",
        "loss_curve_",
        "validation_scores_",
        "best_loss_",
        "n_iter_",
        "device_",
        "_target_width",
        "_n_features_out",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _persistence.register(cls)

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_net" in state:
            # skorch moves a net trained on a GPU to the CPU when it is
            # unpickled on a machine without one: follow it.
            self.device_ = str(self._net.device)

    # ------------------------------------------------------------------ fitted
    @property
    def encoder_(self):
        """The trained encoder, a ``torch.nn.Module`` mapping rows to codes."""
        if not hasattr(self, "_net"):
            raise AttributeError("encoder_ exists once the estimator is fitted.")
        return self._net.module_.encoder

    @property
    def decoder_(self):
        """The trained decoder, a ``torch.nn.Module`` mapping codes to outputs."""
        if not hasattr(self, "_net"):
            raise AttributeError("decoder_ exists once the estimator is fitted.")
        return self._net.module_.decoder

    # ---------------------------------------------------------------- checking
    def _architecture(self):
        """The network kind, from ``network`` and the other hyperparameters."""
        output_activation = self.output_activation
        if output_activation == "auto":
            output_activation = "sigmoid" if self.loss == "bce" else "identity"
        return ARCHITECTURES[self.network](self, output_activation)

    def _validate_X(self, X, *, reset):
        architecture = self._architecture()
        X, images_shape = architecture.flatten(X, reset=reset)
        X = validate_data(
            self,
            X,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
            reset=reset,
        )
        _check_missing(X, self.network)
        check_float32_range(X)
        if reset:
            shape = architecture.check_shape(X.shape[1], images_shape)
            if shape is not None:
                self.input_shape_ = shape
        return X

    def _check_loss_range(self, name, data):
        if self.loss != "bce":
            return
        if sp.issparse(data):
            low, high = data.min(), data.max()
        else:
            low, high = np.nanmin(data), np.nanmax(data)
        if low < 0 or high > 1:
            raise ValueError(
                f"loss='bce' needs {name} in [0, 1], but it holds values in "
                f"[{low:.4g}, {high:.4g}]. Scale it with "
                "sklearn.preprocessing.MinMaxScaler, or use loss='mse'."
            )

    # ----------------------------------------------------------------- fitting
    def _sparsity_parts(self):
        """The ``penalty`` and ``finish`` of a recipe for ``sparsity``.

        With ``sparsity="kl"`` the code goes through a sigmoid, so each
        unit's activation is in [0, 1] and its batch mean is a firing rate.
        """
        if self.sparsity is None:
            return {}
        weight = self.sparsity_weight
        if weight == "auto":
            weight = _AUTO_SPARSITY_WEIGHT[self.sparsity]
        parts = {"penalty": SparsityPenalty(self.sparsity, weight, self.sparsity_target)}
        if self.sparsity == "kl":
            parts["finish"] = _sigmoid_code
        return parts

    def _recipe(self, X=None):
        """What to train. ``X`` holds the training rows when the network is
        built from data (facts computed from them become fitted attributes);
        it is None when the network is rebuilt after ``load``."""
        return Recipe(widths=(self.n_components,), loss=self.loss, **self._sparsity_parts())

    def _settings(self, recipe, n_samples, device, *, partial):
        """The engine's settings. ``partial_fit`` trains one epoch on all the
        rows it is given, at a constant learning rate."""
        batch_size = self.batch_size
        if batch_size == "auto":
            # About 32 steps per epoch on small data, at most 256 rows a batch.
            batch_size = min(256, max(16, n_samples // 32))
        return TrainSettings(
            loss=recipe.loss,
            penalty=recipe.penalty,
            corrupt=recipe.corrupt,
            solver=self.solver,
            learning_rate_init=self.learning_rate_init,
            learning_rate="constant" if partial else self.learning_rate,
            alpha=self.alpha,
            batch_size=int(max(1, min(batch_size, n_samples))),
            max_iter=1 if partial else self.max_iter,
            early_stopping=self.early_stopping and not partial,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            device=str(device),
            verbose=0 if partial else self.verbose,
            accelerate=self.accelerate and not partial,
        )

    def _fit_network(self, X, Y=None, *, partial=False):
        """Build and train the network on ``X`` (target ``Y``, else ``X``).

        With ``partial=True`` (``partial_fit``) a fitted network trains one
        more epoch on these rows, its optimizer state kept; an unfitted one
        is built from them and trained one epoch. Call it from a method
        wrapped by :func:`fit_method`.
        """
        target = X if Y is None else Y
        self._check_loss_range("X" if Y is None else "y", target)
        dataset = RowsDataset(as_rows(X), None if Y is None else as_rows(Y))
        if partial and hasattr(self, "_net"):
            net = self._net
            # Each call shuffles differently, but repeatably for a fixed seed.
            seed = (derive_seed(self.random_state) + self.n_iter_) % np.iinfo(np.int32).max
            net.batch_size = self._settings(
                self._recipe(), X.shape[0], self.device_, partial=True
            ).batch_size
            with seeded(seed, torch.device(self.device_)):
                result = continue_training(net, dataset, epochs=1)
            # The net's history may be shorter than ours (after ``load``).
            result.loss_curve = self.loss_curve_ + result.loss_curve[-1:]
            result.n_iter = len(result.loss_curve)
            result.validation_loss_curve = None
        else:
            device = resolve_device(self.device)
            seed = derive_seed(self.random_state)
            with seeded(seed, device):
                recipe = self._recipe(X)
                _check_code_width(max(recipe.widths), X.shape[1])
                stats = self._architecture().statistics(
                    sample_rows(X, seed), sample_rows(target, seed), max(recipe.widths), seed
                )
                module = self._architecture().build_module(
                    self.n_features_in_, target.shape[1], recipe, stats
                )
                settings = self._settings(recipe, X.shape[0], device, partial=partial)
                result = train(module, dataset, settings)
            self.device_ = str(device)
            if not partial:
                self._warn_if_unfinished(result, recipe)
        if result.interrupted and not result.loss_curve:
            raise KeyboardInterrupt(
                f"{type(self).__name__} was interrupted before its first epoch "
                "ended; it is left as it was before fit."
            )
        result.net.module_.eval()
        self._net = result.net
        self._interrupted = result.interrupted
        self._target_width = int(target.shape[1])
        self.loss_curve_ = result.loss_curve
        self.validation_scores_ = (
            None
            if result.validation_loss_curve is None
            else [-loss for loss in result.validation_loss_curve]
        )
        self.best_loss_ = result.best_loss
        self.n_iter_ = result.n_iter

    def _warn_if_unfinished(self, result, recipe):
        if result.interrupted or result.stopped_early or not recipe.warn_unconverged:
            return
        if result.n_iter == self.max_iter:
            advice = (
                "Increase max_iter or tol."
                if self.early_stopping
                else "Increase max_iter, or set early_stopping=True."
            )
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} epochs ran "
                f"before the loss stopped improving by tol={self.tol}. {advice}",
                ConvergenceWarning,
                stacklevel=caller_level(),
            )

    # -------------------------------------------------------------- save/load
    def _restore_network(self, state_dict):
        """Rebuild the trained network from saved weights (see ``load``): the
        module is built from shapes alone, then every weight and buffer is
        set from ``state_dict``. It runs on the CPU."""
        recipe = self._recipe()
        module = self._architecture().build_module(
            self.n_features_in_, self._target_width, recipe
        )
        module.load_state_dict(state_dict)
        self.device_ = "cpu"
        settings = self._settings(recipe, 1, "cpu", partial=False)
        net = build_net(module, settings)
        net.initialize()
        net.module_.eval()
        self._net = net

    def save(self, path):
        """Save the fitted estimator to ``path`` in a format that runs no code.

        Hyperparameters and fitted attributes are stored as JSON, arrays and
        weights as tensors; :meth:`load` reads them back with
        ``torch.load(weights_only=True)``. Unlike pickle, loading such a file
        from an untrusted source cannot execute code. The optimizer state is
        not saved: ``partial_fit`` after ``load`` restarts it.

        Parameters
        ----------
        path : str or path-like
            Destination file, e.g. ``"model.skae"``.
        """
        check_is_fitted(self)
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

    # --------------------------------------------------------------- inference
    def _map_batches(self, X, fn, n_out, dtype, row_floats=0):
        """Apply ``fn`` (tensor -> tensor) to X a chunk of rows at a time.

        Chunks are sized by scikit-learn's ``working_memory`` (as in
        ``IsolationForest``) from the floats a row holds in the widest layer,
        plus ``row_floats`` that ``fn`` holds per row beyond the network.
        The output is one preallocated array, so memory stays flat however
        many rows are passed.
        """
        module = self._net.module_
        widest = self._architecture().row_floats(
            X.shape[1], n_out, sum(self._recipe().widths)
        )
        step = get_chunk_n_rows(4 * (widest + row_floats), max_n_rows=X.shape[0])
        out = np.empty((X.shape[0], n_out), dtype=dtype)
        module.eval()
        with torch.no_grad():
            for start in range(0, X.shape[0], step):
                part = X[start : start + step]
                part = part.toarray() if sp.issparse(part) else part
                batch = torch.as_tensor(np.asarray(part, dtype=np.float32))
                result = fn(batch.to(self.device_)).cpu().numpy().reshape(len(part), -1)
                # NaN may come out where NaN (a missing entry) went in, e.g.
                # a per-feature error; inf never may.
                if np.isinf(result).any() or (
                    np.isnan(result).any() and not torch.isnan(batch).any()
                ):
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # The dense network takes missing values (NaN) in X; see _check_missing.
        tags.input_tags.allow_nan = self.network == "dense"
        tags.non_deterministic = False
        return tags


def _check_missing(X, network):
    """NaN marks a missing entry, which only the dense network can take."""
    values = X.data if sp.issparse(X) else X
    if network != "dense" and np.isnan(values).any():
        raise ValueError(
            f"Input X contains NaN, but network={network!r} cannot take missing "
            "values: only the dense network can (a NaN entry then enters as "
            "its column's mean and the loss skips it). Impute first, e.g. "
            "with sklearn_ae.AutoencoderImputer or sklearn.impute.SimpleImputer."
        )


def _check_code_width(k, n_features):
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


def _sigmoid_code(member, k):
    member.encoder = torch.nn.Sequential(member.encoder, Sigmoid())
    return member
