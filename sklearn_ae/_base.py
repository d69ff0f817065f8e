"""Shared base: parameter rules, input validation, the fit template that runs
each estimator's ``_recipe`` (network from ``_architectures``, training by
``_training``), chunked inference and the save/load methods."""

# License: BSD 3 clause

from __future__ import annotations

import copy
import warnings
import weakref
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from sklearn_ae import _persistence
from sklearn_ae._architectures import NetworkKind, network_kind
from sklearn_ae._losses import LOSSES, SparsityPenalty, check_target_range
from sklearn_ae._networks import ACTIVATIONS, OUTPUT_ACTIVATIONS, with_sigmoid_code
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
    check_callbacks,
    device_of,
    history_of,
    module_of,
    restore,
    resume,
    train,
)
from sklearn_ae._utils import (
    as_rows,
    caller_level,
    check_float32_range,
    derive_seed,
    note_interruption,
    resolve_device,
    seeded,
)

# early_stopping="auto" stops on the held-out rows below this many rows: there
# a network overfits (wine, diabetes, ionosphere in bench_reconstruction.py);
# above, it stops on the training loss and the held-out rows only judge the
# start against the trained network (noise-dominated tables).
_AUTO_EARLY_STOPPING_ROWS = 1000

# Inference chunks hold at most this many bytes of tensors (and at most
# ``working_memory``). Measured with one thread, CPU time: a float64 forward
# over 50,000 rows ran fastest in chunks of 2 to 16 MB (30 features, hidden
# (128, 64): 256 to 2,048 rows; 100 features, (256, 128): 256 to 4,096;
# 2,000 features: 64 rows) and 1.5 to 2.5x slower in chunks of 100 MB or
# more (they leave the CPU's caches); the detector's scoring of 100,000 x 30
# rows took 1.9 s in chunks of 4 MB, 1.4 s in chunks of 16 MB.
_CHUNK_BYTES = 16 * 2**20


def _tensors_of(module):
    """A module's weights and buffers."""
    return (*module.parameters(), *module.buffers())


@dataclass(frozen=True)
class _Inference:
    """What inference needs from a trained network, built once.

    On the CPU the network runs as a float64 copy: a float32 matrix product
    rounds a row differently in a batch of another size, and a row's output
    must not depend on the rows it is passed with. Measured on a trained
    encoder (30 features, hidden (128, 64), 4 codes): a row alone and in a
    batch of 1,000 differ by up to 3e-4 relative in float32 (scikit-learn's
    ``check_methods_subset_invariance`` allows 1e-7), by 3e-12 in float64;
    the float64 forward took 2x the CPU time of the float32 one (0.10 s
    against 0.05 s for 100,000 rows, one thread). On a GPU the network runs as
    trained. ``row_floats`` counts the values one row holds in the
    network's tensors at once (sizes chunks). ``tensors`` are the trained
    module's weights and buffers and ``versions`` their in-place edit
    counters when the copy was made: they move whenever training,
    ``load_state_dict`` or a user changes a value. ``extras`` holds what an
    estimator derives once from its fitted attributes for inference (the
    detector's statistics as tensors).
    """

    module: object
    precision: torch.dtype
    device: str
    row_floats: int
    tensors: tuple
    versions: tuple
    extras: dict = field(default_factory=dict)

    @classmethod
    def build(cls, estimator, source):
        # On a GPU, None: the trained module itself runs (holding it here
        # would keep it alive through _INFERENCE's value).
        module, precision = None, torch.float32
        if torch.device(estimator.device_).type == "cpu":
            module, precision = copy.deepcopy(source).double(), torch.float64
            module.eval()
        widths = estimator._recipe().widths
        row_floats = estimator._architecture().row_floats(
            estimator.n_features_in_, estimator._target_width, widths
        )
        tensors = _tensors_of(source)
        versions = tuple(t._version for t in tensors)
        return cls(module, precision, estimator.device_, row_floats, tensors, versions)

    def describes(self):
        """Whether the trained module's weights are still those copied."""
        return self.versions == tuple(t._version for t in self.tensors)


# Trained module -> its _Inference; an entry goes with its module.
_INFERENCE = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Recipe:
    """What an estimator trains: the base builds the module and runs it.

    ``widths`` lists the code width of each member: one for a plain
    autoencoder; an ``ensemble`` trains its members side by side and stacks
    their outputs on dimension 1 (even with one member);
    ``encoder_outputs`` is how many encoder outputs a code unit takes (two
    for a Gaussian posterior's mean and log-variance); ``finish`` turns a
    built member into the module to train. ``extra_targets`` is how many
    last columns of the target only the loss reads (a classifier's labels):
    the decoder outputs the others. ``epochs`` overrides ``max_iter`` (one
    phase of a fit); ``validation_rows`` are the positions of the rows early
    stopping may hold out (None: any row).
    """

    widths: tuple
    ensemble: bool = False
    loss: object = "mse"
    penalty: object = None
    corrupt: object = None
    encoder_outputs: int = 1
    finish: object = None
    warn_unconverged: bool = True
    extra_targets: int = 0
    epochs: object = None
    validation_rows: object = None


class _BaseAutoencoder(BaseEstimator):
    """Parameter rules, the fit template and batched inference of every estimator.

    Not public. Each subclass owns its ``__init__`` with its defaults (this
    one has none), its public methods, and one ``_recipe``.
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
        "loss": [StrOptions(set(LOSSES)), callable],
        "init": [StrOptions({"pca", "random"})],
        "solver": [StrOptions(set(SOLVERS))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "adaptive", "cosine"})],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "accelerate": ["boolean"],
        "callbacks": [list, tuple, None],
        # A name is checked against the registry when the network is built.
        "network": [str, NetworkKind, callable],
        "input_shape": [tuple, None],
        "sparsity": [StrOptions({"l1", "kl"}), None],
        "sparsity_weight": [
            StrOptions({"auto"}),
            Interval(Real, 0, None, closed="left"),
        ],
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
        "output_activation_",
        "_target_width",
        "_n_features_out",
    )

    # output_activation="auto" on a dense network: a sigmoid when every
    # training target lies in [0, 1] (see NetworkKind.output_for).
    _sigmoid_for_unit_range = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _persistence.register(cls)

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_net" in state:
            # The engine moves a net trained on a GPU to the CPU when it is
            # unpickled on a machine without one: follow it.
            self.device_ = device_of(self._net)

    # ------------------------------------------------------------------ fitted
    @property
    def _module(self):
        return module_of(self._net)

    @property
    def encoder_(self):
        """The trained encoder, a ``torch.nn.Module`` mapping rows to codes."""
        if not hasattr(self, "_net"):
            raise AttributeError("encoder_ exists once the estimator is fitted.")
        return self._module.encoder

    @property
    def decoder_(self):
        """The trained decoder, a ``torch.nn.Module`` mapping codes to outputs."""
        if not hasattr(self, "_net"):
            raise AttributeError("decoder_ exists once the estimator is fitted.")
        return self._module.decoder

    @property
    def history_(self):
        """The skorch ``History`` of the training: one row per epoch."""
        if not hasattr(self, "_net"):
            raise AttributeError("history_ exists once the estimator is fitted.")
        return history_of(self._net)

    # ---------------------------------------------------------------- checking
    def _architecture(self):
        """The network kind, from ``network``, bound to the other
        hyperparameters."""
        return network_kind(self.network).bind(self)

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
        architecture.check_missing(X)
        check_float32_range(X)
        if reset:
            shape = architecture.check_shape(X.shape[1], images_shape)
            if shape is not None:
                self.input_shape_ = shape
        return X

    # ----------------------------------------------------------------- fitting
    def _sparsity_parts(self):
        """The ``penalty`` and ``finish`` of a recipe for ``sparsity``.

        With ``sparsity="kl"`` the code goes through a sigmoid, so each
        unit's activation is in [0, 1] and its batch mean is a firing rate.
        """
        if self.sparsity is None:
            return {}
        parts = {
            "penalty": SparsityPenalty(
                self.sparsity, self.sparsity_weight, self.sparsity_target
            )
        }
        if self.sparsity == "kl":
            parts["finish"] = with_sigmoid_code
        return parts

    def _fitted_facts(self, X):
        """What a recipe needs to know of the training rows ``X``: fitted
        attributes, by name (none here). Computed once per fit, without side
        effects; the base sets them."""
        return {}

    def _learn_facts(self, X):
        """Set the fitted facts of the training rows ``X`` (see
        :meth:`_fitted_facts`) and return the recipe they give."""
        for name, value in self._fitted_facts(X).items():
            setattr(self, name, value)
        return self._recipe()

    def _recipe(self):
        """What to train: a value computed from the hyperparameters and the
        fitted attributes alone, the same at fit and after ``load``."""
        return Recipe(
            widths=(self.n_components,), loss=self.loss, **self._sparsity_parts()
        )

    def _settings(self, recipe, n_samples, device, *, partial):
        """The engine's settings. ``partial_fit`` trains one epoch on all the
        rows it is given, at a constant learning rate."""
        early_stopping, guard = self.early_stopping, False
        if early_stopping == "auto":
            # Hold out rows (at least 10) on which the start competes with
            # the trained network, so that training cannot end worse than the
            # start on unseen rows. Small data also stops on them, before it
            # overfits; above, stopping on the held-out loss ends training
            # too soon (musk, digits in bench_reconstruction.py), so training
            # stops on its own loss and the held-out rows only judge.
            held_out = n_samples * self.validation_fraction >= 10
            early_stopping = held_out and n_samples < _AUTO_EARLY_STOPPING_ROWS
            guard = held_out and not early_stopping
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
            max_iter=1 if partial else (recipe.epochs or self.max_iter),
            early_stopping=bool(early_stopping) and not partial,
            guard=guard and not partial,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            device=str(device),
            verbose=0 if partial else self.verbose,
            accelerate=self.accelerate and not partial,
            start_is_candidate=not partial,
            validation_rows=recipe.validation_rows,
            callbacks=check_callbacks(self.callbacks),
        )

    def _fit_network(self, X, Y=None, *, partial=False, recipe=None):
        """Build and train the network on ``X`` (target ``Y``, else ``X``).

        The fitted facts of ``X`` are learned first (:meth:`_fitted_facts`),
        then the estimator's :meth:`_recipe` is trained, or ``recipe`` when
        given (one phase of a fit that trains in several, whose facts the
        caller has learned). With ``partial=True`` (``partial_fit``) a fitted
        network trains one more epoch on these rows, its optimizer state
        kept; an unfitted one is built from them and trained one epoch. Call
        it from a method wrapped by :func:`fit_method`. Returns whether a
        Ctrl-C ended the training.
        """
        target = X if Y is None else Y
        check_target_range(self.loss, "X" if Y is None else "y", target)
        dataset = RowsDataset(as_rows(X), None if Y is None else as_rows(Y))
        if partial and hasattr(self, "_net"):
            recipe = self._recipe()
            # Each call shuffles differently, but repeatably for a fixed seed.
            seed = (derive_seed(self.random_state) + self.n_iter_) % np.iinfo(
                np.int32
            ).max
            settings = self._settings(recipe, X.shape[0], self.device_, partial=True)
            with seeded(seed, torch.device(self.device_)):
                result = resume(self._net, dataset, settings)
            # The net's history may be shorter than ours (after ``load``).
            result.loss_curve = self.loss_curve_ + result.loss_curve[-1:]
            result.n_iter = len(result.loss_curve)
            result.validation_loss_curve = None
        else:
            device = resolve_device(self.device)
            seed = derive_seed(self.random_state)
            if recipe is None:
                recipe = self._learn_facts(X)
            self.output_activation_ = self._architecture().output_for(self, target)
            with seeded(seed, device):
                module = self._architecture().build_from_data(
                    X, target, recipe, seed, target.shape[1] - recipe.extra_targets
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
        if result.interrupted:
            note_interruption()
        module_of(result.net).eval()
        self._net = result.net
        self._target_width = int(target.shape[1] - recipe.extra_targets)
        self.loss_curve_ = result.loss_curve
        self.validation_scores_ = (
            None
            if result.validation_loss_curve is None
            else [-loss for loss in result.validation_loss_curve]
        )
        self.best_loss_ = result.best_loss
        self.n_iter_ = result.n_iter
        return result.interrupted

    def _warn_if_unfinished(self, result, recipe):
        name = type(self).__name__
        if result.kept_start and not result.validated:
            message = (
                f"{name}: training ended with a higher loss than the network it "
                "started from, so the starting weights are kept. The loss rose "
                f"instead of falling: lower learning_rate_init (now "
                f"{self.learning_rate_init})."
            )
        elif (
            result.n_iter == (recipe.epochs or self.max_iter)
            and recipe.warn_unconverged
            and not (
                result.stopped_early
                or result.interrupted
                or result.kept_start
                or result.stopped_by_callback
            )
        ):
            advice = (
                "Increase max_iter or tol."
                if result.validated
                else "Increase max_iter, or set early_stopping=True."
            )
            message = (
                f"{name}: max_iter={recipe.epochs or self.max_iter} epochs ran "
                "before the loss "
                f"stopped improving by tol={self.tol}. {advice}"
            )
        else:
            return
        warnings.warn(message, ConvergenceWarning, stacklevel=caller_level())

    # -------------------------------------------------------------- save/load
    def _fitted_arrays(self):
        """Shape and dtype kind of each fitted array, from the model's sizes.

        ``{name: (shape, kind)}``, ``None`` in a shape for any length, kind a
        numpy dtype kind (``"f"``, ``"i"``, ``"b"``, ``"O"``) or ``("i",
        n)`` for indices below ``n``. ``load`` refuses a file whose arrays
        differ; a subclass adds its own arrays.
        """
        arrays = {}
        if hasattr(self, "feature_names_in_"):
            arrays["feature_names_in_"] = ((self.n_features_in_,), "O")
        return arrays

    def _check_fitted_arrays(self):
        """Raise ValueError unless every fitted array fits the model (at load:
        an edited file would give wrong results or fail later)."""
        for name, (shape, kind) in self._fitted_arrays().items():
            value = getattr(self, name, None)
            bound = None
            if isinstance(kind, tuple):
                kind, bound = kind
            expected = "(" + ", ".join("any" if n is None else str(n) for n in shape)
            expected += ",)" if len(shape) == 1 else ")"
            if not (
                isinstance(value, np.ndarray)
                and value.dtype.kind == kind
                and value.ndim == len(shape)
                and all(
                    n is None or n == m for n, m in zip(shape, value.shape, strict=True)
                )
            ):
                found = (
                    f"shape {value.shape} and dtype {value.dtype}"
                    if isinstance(value, np.ndarray)
                    else f"type {type(value).__name__}"
                )
                raise ValueError(
                    f"the fitted array {name} has {found}, where this "
                    f"{type(self).__name__} needs shape {expected} and dtype "
                    f"kind {kind!r}"
                )
            if (
                bound is not None
                and value.size
                and not (value.min() >= 0 and value.max() < bound)
            ):
                raise ValueError(
                    f"the fitted array {name} holds indices outside [0, {bound})"
                )

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
        self._net = restore(module, self._settings(recipe, 1, "cpu", partial=False))

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
    def load(cls, path, *, trusted=None):
        """Load an estimator saved with :meth:`save`; it runs on the CPU.

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        trusted : list of callables, default=None
            The network factories the file may name (``network=factory``):
            nothing else is imported or run (see :func:`sklearn_ae.load`).

        Returns
        -------
        estimator : fitted estimator of this class
        """
        estimator = _persistence.load(path, trusted=trusted)
        if not isinstance(estimator, cls):
            raise TypeError(
                f"{path!s} holds a {type(estimator).__name__}, not a "
                f"{cls.__name__}. Use sklearn_ae.load to load any estimator."
            )
        return estimator

    # --------------------------------------------------------------- inference
    def _inference(self):
        """What inference needs, built once per trained network (see
        :class:`_Inference`) and rebuilt only when the network's weights or
        buffers change (``fit``, ``partial_fit``, ``load``, or a user's edit
        of ``encoder_``). Kept beside the estimator, keyed by the trained
        module, so that inference leaves the estimator's ``__dict__`` as it
        was and a pickle carries no copy."""
        module = self._module
        cached = _INFERENCE.get(module)
        if cached is None or not cached.describes():
            cached = _Inference.build(self, module)
            _INFERENCE[module] = cached
        return cached

    def _map_batches(self, X, fn, n_out, dtype, row_floats=0):
        """Apply ``fn(module, rows)`` (tensors) to X a chunk of rows at a time.

        On the CPU the network runs in float64 (see :class:`_Inference`).
        A chunk holds every tensor alive at once: the input's copy, every
        layer's activations, the output, and ``row_floats`` that ``fn``
        holds per row beyond the network. Its bytes stay under scikit-learn's
        ``working_memory`` (a bound, as in ``IsolationForest``) and under
        ``_CHUNK_BYTES``, beyond which larger chunks run no faster. The
        output is one preallocated array, so memory stays flat however many
        rows come.
        """
        inference = self._inference()
        module = inference.module
        if module is None:  # on a GPU: the trained module itself
            module = self._module.eval()
        precision, device = inference.precision, inference.device
        itemsize = torch.finfo(precision).bits // 8
        row_bytes = itemsize * (inference.row_floats + X.shape[1] + n_out + row_floats)
        n_rows = X.shape[0]
        step = min(
            get_chunk_n_rows(row_bytes, max_n_rows=max(n_rows, 1)),
            max(1, _CHUNK_BYTES // row_bytes),
        )
        out = np.empty((n_rows, n_out), dtype=dtype)
        with torch.no_grad():
            for start in range(0, n_rows, step):
                part = X[start : start + step]
                part = part.toarray() if sp.issparse(part) else part
                batch = torch.tensor(np.asarray(part), dtype=precision)  # a copy
                result = fn(module, batch.to(device)).cpu().numpy()
                result = result.reshape(len(part), -1)
                # NaN may come out where NaN (a missing entry) went in, e.g.
                # a per-feature error; inf never may.
                if not np.isfinite(result).all() and (
                    np.isinf(result).any() or not torch.isnan(batch).any()
                ):
                    raise ValueError(
                        f"The network produced NaN or inf for rows {start} to "
                        f"{start + len(part) - 1}: their values are too far from "
                        "the training data. Scale the data as it was scaled for "
                        "fit."
                    )
                out[start : start + step] = result
        return out

    def _codes(self, X):
        """``transform``'s body: checked rows of X -> their codes."""
        check_is_fitted(self)
        return self._encode(self._validate_X(X, reset=False))

    def _encode(self, X):
        return self._map_batches(
            X, lambda m, x: m.encoder(x), self.n_components, X.dtype
        )

    def _decode(self, Z):
        return self._map_batches(
            Z, lambda m, z: m.decoder(z), self._target_width, Z.dtype
        )

    def _reconstruct(self, X):
        return self._map_batches(X, lambda m, x: m(x)[0], self._target_width, X.dtype)

    # ------------------------------------------------------------ ONNX export
    # ``sklearn_ae.to_onnx`` exports ``_onnx_outputs`` (see _onnx.py).
    def _check_exportable(self):
        """Raise ValueError when inference has no ONNX form (none here)."""

    def _onnx_constants(self):
        """Fitted arrays the exported graph reads, by name (none here)."""
        return {}

    def _onnx_outputs(self, module, x, constants):
        """The exported outputs for float32 rows ``x``: ``transform``'s codes.

        ``module`` is a float32 copy of the trained module, ``constants``
        the tensors of :meth:`_onnx_constants`.
        """
        return (module.encoder(x),)

    def _onnx_output_shapes(self):
        """``(kind, width)`` of each exported output: kind ``"real"``,
        ``"int"`` or ``"label"``, width None for a 1-D output."""
        return [("real", self._n_features_out)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # Only some network kinds take missing values (NaN) in X.
        try:
            tags.input_tags.allow_nan = network_kind(self.network).takes_missing
        except (TypeError, ValueError):  # an invalid network: fit says why
            tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags
