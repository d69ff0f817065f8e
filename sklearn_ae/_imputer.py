"""AutoencoderImputer: missing values filled in by a masked autoencoder."""

# License: BSD 3 clause

import hashlib
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils._missing import is_scalar_nan
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._architectures import Dense
from sklearn_ae._base import Recipe, _BaseAutoencoder
from sklearn_ae._docs import fill_doc
from sklearn_ae._noise import Corruption
from sklearn_ae._sklearn_compat import (
    Interval,
    StrOptions,
    _check_feature_names_in,
    validate_data,
)
from sklearn_ae._utils import (
    assign_params,
    caller_level,
    check_float32_range,
    derive_seed,
    fit_method,
)

# max_iter="auto": about this many row-feature passes, at most 200 epochs
# and at least 10. Narrow tables get 200 epochs (early stopping ends most
# sooner); MNIST's 5,000 x 784 rows get 26, which cost 1.2% of the test RMSE
# against 40 epochs (0.1132, 0.1119) for a third less time. A fit that runs
# every epoch of the bound warns, as with an integer max_iter.
_EPOCH_BUDGET = 1e8
_MAX_EPOCHS, _MIN_EPOCHS = 200, 10

# The held-out guard: at fit, this share of the observed entries (at most
# _HELD_OUT_ROWS / n_samples, so about that many entries per feature on
# large tables) is hidden from training; the network's fill and the linear
# fill are compared there, feature by feature, to choose their blend.
# Features with fewer observed entries than _HELD_OUT_MIN hold none out.
_HELD_OUT_SHARE, _HELD_OUT_ROWS, _HELD_OUT_MIN = 0.1, 300, 10
# Each feature's blend weight is shrunk toward the weight of all features
# as if this many held-out entries were at that weight (steadier on small
# tables, where a feature has a dozen held-out entries).
_BLEND_PRIOR = 10
# Ridge penalty of the linear fill, per row, on standardised columns.
_RIDGE = 1e-2
# Rows on which the linear fill is fitted (a sample beyond: bounded cost).
_LINEAR_ROWS = 2000
# Beyond this many features the linear fill is the column mean (its
# n_features x n_features coefficients would not fit: 75 GiB at 100,000).
_LINEAR_MAX_FEATURES = 1024


@fill_doc
class AutoencoderImputer(TransformerMixin, _BaseAutoencoder):
    """Impute missing values with an autoencoder trained on the observed entries.

    The contract is that of :class:`~sklearn.impute.IterativeImputer`:
    ``fit`` learns from a table with missing values, ``transform`` fills the
    missing entries of any rows, including new rows with missing patterns
    never seen at fit, and leaves every observed entry untouched, bit for
    bit. A missing entry enters the network as its column's mean (the mean
    of the observed entries); the loss is the squared error over the
    observed entries only. Every epoch a fresh random ``mask_fraction`` of
    the observed entries is also hidden from the input (their loss still
    counted), so the network learns to fill what it cannot see, as in
    MIDAS (Lall and Robinson, 2022).

    The network's fill is checked on entries it never saw: fit holds a
    share of the observed entries out of training (10%, at most about 300
    per feature), and there compares it with a linear fill, ridge
    regressions of each feature on the others read from the row completed
    by the network. Each feature's fill is the blend of the two with the
    least squared error on its held-out entries, so where a linear
    regression fills a feature better, it takes over.

    With ``sample_posterior=True``, each missing entry is a draw around the
    fill: Gaussian noise with the spread of the errors the fill makes on
    the held-out entries of that feature, clipped to the feature's observed
    range. Since ``random_state`` also seeds training, fitting with m seeds
    gives m completed tables for multiple imputation (Rubin's rules), as
    with ``IterativeImputer(sample_posterior=True)``.

    Read more in :ref:`imputation`.

    Parameters
    ----------
    missing_values : int, float or np.nan, default=np.nan
        The placeholder of missing values: its occurrences are imputed.
    sample_posterior : bool, default=False
        Impute a random draw of the predictive distribution rather than its
        centre (for multiple imputation). The draw is fixed by the fitted
        model and the row: each row's draw is seeded by ``random_state`` and
        the row's own values, so a row gets the same draw alone or in any
        batch (and identical rows get identical draws).
    add_indicator : bool, default=False
        Append a missing-value indicator (one column per feature that had
        missing values at fit, 1.0 where the entry was missing).
    keep_empty_features : bool, default=False
        Keep features with no observed value at fit in the output, their
        missing entries imputed with 0; by default they are dropped, with a
        warning.
    mask_fraction : float, default=0.25
        Share of the observed entries hidden from the network's input each
        epoch during training, in [0, 1).
    n_components : int or "auto", default="auto"
        Width of the code. "auto" is half the number of features (at
        least 1), at most the widest hidden layer, so that the cost of fit
        grows linearly with the number of features.
    hidden_layer_sizes : int or tuple of int, default=(128, 128)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    max_iter : int or "auto", default="auto"
        Maximum number of epochs. "auto" bounds the training work: about
        10^8 / (n_samples * n_features) epochs, at most 200 and at least 10
        (200 on tables of up to 500,000 entries; 26 on 5,000 MNIST images).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the training masks and the
        draws of ``sample_posterior``. The caller's global numpy and torch
        RNG states are untouched.
    network : "dense", Dense or callable, default="dense"
        The dense network, whose encoder also reads which entries are
        missing, or a factory ``f(n_features_in, n_components) ->
        torch.nn.Module`` of yours (see :ref:`custom_training`): a missing
        entry enters it as its column's mean.
    {shared parameters}

    Attributes
    ----------
    n_components_ : int
        Width of the code.
    {shared attributes}

    See Also
    --------
    sklearn.impute.IterativeImputer : Imputes each feature from the others.
    sklearn.impute.KNNImputer : Imputes from the nearest neighbours.
    sklearn.impute.SimpleImputer : Imputes with a column statistic.

    Notes
    -----
    Rows are tables: the dense network or one of yours. Where every
    observed entry at fit lies in [0, 1] the output goes through a sigmoid
    (as ``output_activation="auto"`` does in the other dense estimators), so
    the fills stay in that range. The estimators that
    reduce or score rows (:class:`AutoencoderTransformer`,
    :class:`AutoencoderOutlierDetector`) also take NaN directly; this one
    returns the completed table.

    References
    ----------
    Lall, R. and Robinson, T. (2022). The MIDAS Touch: Accurate and Scalable
    Missing-Data Imputation with Deep Learning. Political Analysis, 30(2).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AutoencoderImputer
    >>> X = np.array([[1.0, 2.0, np.nan], [3.0, np.nan, 6.0], [5.0, 6.0, 9.0],
    ...               [np.nan, 8.0, 12.0]])
    >>> imputer = AutoencoderImputer(max_iter=5, random_state=0).fit(X)
    >>> filled = imputer.transform(X)
    >>> filled.shape, bool(np.isnan(filled).any())
    ((4, 3), False)
    >>> bool((filled[~np.isnan(X)] == X[~np.isnan(X)]).all())
    True
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "missing_values": [Real],
        "sample_posterior": ["boolean"],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
        "mask_fraction": [Interval(Real, 0, 1, closed="left")],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "n_components": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "network": [StrOptions({"dense"}), Dense, callable],
    }

    _fitted_attributes = (
        *_BaseAutoencoder._fitted_attributes,
        "n_components_",
        "_empty_features",
        "_indicator_features",
        "_fill_spread",
        "_column_range",
        "_draw_seed",
        "_auto_epochs",
        "_fill_weight",
        "_linear_coef",
        "_linear_intercept",
    )

    # Fixed for an imputer, so not hyperparameters; the base reads them.
    # Tables only, trained on squared errors.
    input_shape = None
    loss = "mse"
    # A sigmoid output where every observed entry lies in [0, 1] (pixels,
    # min-max scaled columns), as for the other dense estimators: the fills
    # stay in range, and near-binary pixels are reached (MNIST at 30%
    # missing, test RMSE 0.124 -> 0.112; bench_imputation.py --sets images).
    output_activation = "auto"
    accelerate = False
    sparsity = None
    _missing_indicator = True

    def __init__(
        self,
        *,
        missing_values=np.nan,
        sample_posterior=False,
        add_indicator=False,
        keep_empty_features=False,
        mask_fraction=0.25,
        n_components="auto",
        hidden_layer_sizes=(128, 128),
        activation="relu",
        dropout=0.0,
        alpha=0.0,
        init="pca",
        solver="adam",
        learning_rate_init=1e-3,
        learning_rate="adaptive",
        batch_size="auto",
        max_iter="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        network="dense",
    ):
        assign_params(self, locals())

    @fit_method
    def fit(self, X, y=None):
        """Fit the imputer on X, a table with missing values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows with missing values (``missing_values``) to learn from.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, missing = self._validate_input(X, reset=True)
        observed_count = (~missing).sum(axis=0)
        self._empty_features = observed_count == 0
        if self._empty_features.any() and not self.keep_empty_features:
            warnings.warn(
                "Skipping features without any observed values: "
                f"{np.flatnonzero(self._empty_features)}. They are dropped from "
                "the output; pass keep_empty_features=True to keep them "
                "(imputed with 0).",
                UserWarning,
                stacklevel=caller_level(),
            )
        self._indicator_features = np.flatnonzero(missing.any(axis=0))
        X_nan = np.where(missing, np.nan, X)
        # A feature with no observed value trains as a constant 0 column.
        X_nan[:, self._empty_features] = 0.0
        seed = derive_seed(self.random_state)
        self._draw_seed = int(seed)
        # The held-out guard: the network trains without a share of the
        # observed entries, where its fill is then compared with the linear
        # fill, feature by feature.
        held = self._held_out(X_nan, np.random.RandomState(seed))
        X_train = np.where(held, np.nan, X_nan)
        self._fit_network(X_train)
        with np.errstate(all="ignore"):
            low = np.nanmin(np.where(missing, np.inf, X), axis=0)
            high = np.nanmax(np.where(missing, -np.inf, X), axis=0)
        self._column_range = np.where(
            self._empty_features, 0.0, np.vstack([low, high])
        ).astype(np.float64)
        self._fit_linear_fill(X_train, seed)
        self._choose_blend(X_nan, X_train, held)
        # The linear fill used from now on learns from every observed entry.
        self._fit_linear_fill(X_nan, seed)
        return self

    def transform(self, X):
        """Impute the missing entries of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to complete; their missing patterns may be new.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features_out)
            X with every missing entry filled in and its observed entries
            untouched (features empty at fit dropped unless
            ``keep_empty_features=True``; indicator columns appended with
            ``add_indicator=True``), in X's float dtype.
        """
        check_is_fitted(self)
        X, missing = self._validate_input(X, reset=False)
        X_nan = np.where(missing, np.nan, X)
        X_nan[:, self._empty_features] = np.where(
            missing[:, self._empty_features], 0.0, X_nan[:, self._empty_features]
        )
        fill = self._fill(X_nan)
        if self.sample_posterior:
            noise = self._standard_draws(X_nan) * self._fill_spread
            low, high = self._column_range
            fill = np.clip(fill + noise, low, high).astype(X.dtype, copy=False)
        # Observed entries are copied, never recomputed: bit for bit.
        out = np.where(missing, fill, X)
        out[:, self._empty_features] = np.where(
            missing[:, self._empty_features], 0.0, out[:, self._empty_features]
        )
        if not self.keep_empty_features:
            out = out[:, ~self._empty_features]
        if self.add_indicator:
            indicator = missing[:, self._indicator_features].astype(X.dtype)
            out = np.hstack([out, indicator])
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; by default ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The kept input features, then ``missingindicator_<name>`` for
            each indicator column.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        out = names if self.keep_empty_features else names[~self._empty_features]
        if self.add_indicator:
            indicator = [
                f"missingindicator_{n}" for n in names[self._indicator_features]
            ]
            out = np.concatenate([out, np.asarray(indicator, dtype=object)])
        return np.asarray(out, dtype=object)

    # -------------------------------------------------------------- internals
    def _validate_input(self, X, *, reset):
        """X as floats and the mask of its missing entries."""
        nan_marks_missing = is_scalar_nan(self.missing_values)
        X = validate_data(
            self,
            X,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan" if nan_marks_missing else True,
            reset=reset,
            copy=False,
        )
        missing = np.isnan(X) if nan_marks_missing else X == self.missing_values
        check_float32_range(np.where(missing, 0, X))
        return X, missing

    def _fitted_facts(self, X):
        k = self.n_components
        if k == "auto":
            # Half the features, but no wider than the widest hidden layer:
            # on wide rows a wider code lets the PCA-started linear path
            # nearly copy its input, which fills hidden entries worse (MNIST
            # at 30% missing, test RMSE: 392 units 0.137, 128 units 0.124;
            # bench_imputation.py --sets images); and the network and the PCA
            # start (n_components x n_features values) grow linearly with the
            # number of features (10 rows x 100,000 columns asked for a
            # 50,000-unit code and a 37 GiB PCA start).
            widest = int(np.max(self.hidden_layer_sizes))
            k = min(max(1, X.shape[1] // 2), widest)
        epochs = None
        if self.max_iter == "auto":
            work = _EPOCH_BUDGET / max(1, X.shape[0] * X.shape[1])
            epochs = int(np.clip(np.ceil(work), _MIN_EPOCHS, _MAX_EPOCHS))
        return {"n_components_": int(k), "_auto_epochs": epochs}

    def _recipe(self):
        return Recipe(
            widths=(self.n_components_,),
            loss="mse",
            corrupt=Corruption("missing", self.mask_fraction)
            if self.mask_fraction
            else None,
            epochs=self._auto_epochs,
        )

    def _fitted_arrays(self):
        n_features = self.n_features_in_
        return {
            **super()._fitted_arrays(),
            "_empty_features": ((n_features,), "b"),
            "_indicator_features": ((None,), ("i", n_features)),
            "_fill_spread": ((n_features,), "f"),
            "_column_range": ((2, n_features), "f"),
            "_fill_weight": ((n_features,), "f"),
            "_linear_coef": (
                (n_features, n_features)
                if n_features <= _LINEAR_MAX_FEATURES
                else (0, 0),
                "f",
            ),
            "_linear_intercept": ((n_features,), "f"),
        }

    def _standard_draws(self, X_nan):
        """Standard normal noise for each entry of the rows with a missing one.

        Each row's noise is seeded by ``random_state`` and the row itself (its
        observed values and where they are missing), not by its position: a
        row gets the same draw alone or in any batch.
        """
        noise = np.zeros(X_nan.shape)
        rows = np.ascontiguousarray(X_nan, dtype=np.float64)
        for i in np.flatnonzero(np.isnan(rows).any(axis=1)):
            digest = hashlib.blake2b(rows[i].tobytes(), digest_size=8).digest()
            rng = np.random.default_rng(
                [self._draw_seed, int.from_bytes(digest, "little")]
            )
            noise[i] = rng.standard_normal(rows.shape[1])
        return noise

    def _held_out(self, X_nan, rng):
        """Mask of the observed entries held out of training for the guard."""
        observed = ~np.isnan(X_nan)
        share = min(_HELD_OUT_SHARE, _HELD_OUT_ROWS / len(X_nan))
        enough = (observed.sum(axis=0) >= _HELD_OUT_MIN) & ~self._empty_features
        held = observed & enough & (rng.uniform(size=X_nan.shape) < share)
        # Every feature keeps an observed entry to train on.
        held[:, held.sum(axis=0) == observed.sum(axis=0)] = False
        return held

    def _fit_linear_fill(self, X_nan, seed):
        """Ridge regressions of each feature on the others, the rows
        completed by the network.

        Sets ``_linear_coef`` (zero diagonal) and ``_linear_intercept`` so
        that ``completed @ _linear_coef + _linear_intercept``, where
        ``completed`` is ``X_nan`` with the network's fill in its missing
        entries, is for each feature the least-squares linear guess from
        the other features (standardised, ridge penalty ``_RIDGE`` per row).
        Feature j's regression fits the rows where it is observed; the
        covariance of the other features is that of all rows. All features
        are solved at once from one inverse of the ridge Gram matrix (each
        leaves itself out by a rank-one downdate).
        """
        observed = ~np.isnan(X_nan)
        n_rows, n_features = X_nan.shape
        counts = observed.sum(axis=0)
        values = np.where(observed, X_nan, 0.0)
        mean = values.sum(axis=0) / np.maximum(counts, 1)
        centred = np.where(observed, values - mean, 0.0)
        scale = np.sqrt((centred**2).sum(axis=0) / np.maximum(counts, 1))
        scale = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)
        if n_rows > _LINEAR_ROWS:  # a sample of rows bounds the cost
            rows = np.random.RandomState(seed).choice(n_rows, _LINEAR_ROWS, False)
            rows = np.sort(rows)
            X_nan, observed = X_nan[rows], observed[rows]
            centred, n_rows = centred[rows], _LINEAR_ROWS
            counts = observed.sum(axis=0)
        if n_features > _LINEAR_MAX_FEATURES:
            self._linear_coef = np.zeros((0, 0))
            self._linear_intercept = mean
            return
        network = self._network_fill(X_nan)
        inputs = (np.where(observed, X_nan, network) - mean) / scale
        targets = centred / scale
        precision = np.linalg.inv(
            inputs.T @ inputs + _RIDGE * n_rows * np.eye(n_features)
        )
        # Products with each target over the rows where it is observed,
        # rescaled to all rows; its own input left out.
        products = inputs.T @ targets * (n_rows / np.maximum(counts, 1))
        np.fill_diagonal(products, 0.0)
        solved = precision @ products
        coef = solved - precision * (np.diag(solved) / np.diag(precision))
        coef[:, counts == 0] = 0.0
        np.fill_diagonal(coef, 0.0)
        coef = coef * scale[np.newaxis, :] / scale[:, np.newaxis]
        self._linear_coef = coef
        self._linear_intercept = mean - mean @ coef

    def _network_fill(self, X_nan):
        """The network's fill of every entry, in float64."""
        return self._reconstruct(X_nan).astype(np.float64)

    def _blend_arrays(self):
        """The linear fill's coefficients, intercept and clipping range."""
        low, high = self._column_range
        return self._linear_coef, self._linear_intercept, low, high

    def _fill_parts(self, module, x_nan, blend=None):
        """The network's fill and the linear fill of every entry of a batch
        (tensors), side by side: ``(b, 2 * n_features)``.

        The linear fill reads the row completed by the network's fill and is
        clipped to each feature's observed range at fit; on wide rows (no
        coefficients) it is the column mean. ``blend``: the arrays of
        :meth:`_blend_arrays` as tensors (by default made from them).
        """
        if blend is None:
            blend = [
                torch.as_tensor(a, dtype=x_nan.dtype, device=x_nan.device)
                for a in self._blend_arrays()
            ]
        coef, intercept, low, high = blend
        network = module(x_nan)[0]
        if coef.numel():
            completed = torch.where(torch.isnan(x_nan), network, x_nan)
            linear = completed @ coef + intercept
        else:  # wide rows: the column mean
            linear = intercept.expand_as(network)
        return torch.cat([network, torch.clamp(linear, low, high)], dim=1)

    def _parts(self, X_nan):
        """The network's fill and the linear fill of every entry (float64)."""
        n_features = X_nan.shape[1]
        parts = self._map_batches(
            X_nan, self._fill_parts, 2 * n_features, np.float64, 3 * n_features
        )
        return parts[:, :n_features], parts[:, n_features:]

    def _fill(self, X_nan):
        """Each entry's fill: per feature, the blend of the network's fill
        and the linear fill chosen on the held-out entries at fit."""
        network, linear = self._parts(X_nan)
        fill = self._fill_weight * network + (1.0 - self._fill_weight) * linear
        return fill.astype(X_nan.dtype, copy=False)

    def _choose_blend(self, X_nan, X_train, held):
        """Per feature, the weight of the network's fill against the linear
        fill with the least squared error on the held-out entries; and the
        spread of the blend's errors there (for ``sample_posterior``)."""
        n_features = X_nan.shape[1]
        rows = np.flatnonzero(held.any(axis=1))
        held = held[rows]
        truth = np.nan_to_num(X_nan[rows])
        network, linear = self._parts(X_train[rows])
        gap = np.where(held, network - linear, 0.0)
        error = np.where(held, truth - linear, 0.0)
        counts = held.sum(axis=0)
        gap_sq, gap_error = (gap**2).sum(axis=0), (gap * error).sum(axis=0)
        overall = gap_error.sum() / gap_sq.sum() if gap_sq.sum() > 0 else 1.0
        overall = float(np.clip(overall, 0.0, 1.0))
        # _BLEND_PRIOR pseudo-entries at the overall weight, each with the
        # feature's mean squared gap.
        prior = _BLEND_PRIOR * gap_sq / np.maximum(counts, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = (gap_error + prior * overall) / (gap_sq + prior)
        weight = np.where(gap_sq > 0, np.clip(weight, 0.0, 1.0), overall)
        self._fill_weight = weight
        blend = weight * network + (1.0 - weight) * linear
        squares = np.where(held, blend - truth, 0.0) ** 2
        if counts.sum():
            spread = np.sqrt(squares.sum() / counts.sum())
        else:  # nothing held out (tiny tables): the network, and the spread
            # of each feature's values
            self._fill_weight = np.ones(n_features)
            spread = np.nan_to_num(np.nanstd(X_nan, axis=0))
        self._fill_spread = np.where(
            counts > 0, np.sqrt(squares.sum(axis=0) / np.maximum(counts, 1)), spread
        )

    def _check_exportable(self):
        if self.sample_posterior:
            raise ValueError(
                "AutoencoderImputer(sample_posterior=True) draws each fill at "
                "random, seeded by a hash of its row, which has no ONNX form. "
                "Export an imputer fitted with sample_posterior=False."
            )

    def _onnx_constants(self):
        coef, intercept, low, high = self._blend_arrays()
        return {
            "empty": self._empty_features[None, :],
            "kept": np.flatnonzero(~self._empty_features),
            "indicator": self._indicator_features,
            "weight": self._fill_weight.astype(np.float32),
            "coef": coef.astype(np.float32),
            "intercept": intercept.astype(np.float32),
            "low": low.astype(np.float32),
            "high": high.astype(np.float32),
        }

    def _onnx_outputs(self, module, x, constants):
        # transform's steps, on float32 tensors.
        missing = (
            torch.isnan(x)
            if is_scalar_nan(self.missing_values)
            else x == self.missing_values
        )
        empty_missing = missing & constants["empty"]
        x_nan = torch.where(missing, torch.nan, x)
        x_nan = torch.where(empty_missing, 0.0, x_nan)
        blend = [constants[name] for name in ("coef", "intercept", "low", "high")]
        network, linear = self._fill_parts(module, x_nan, blend).chunk(2, dim=1)
        weight = constants["weight"]
        fill = weight * network + (1.0 - weight) * linear
        out = torch.where(missing, fill, x)
        out = torch.where(empty_missing, 0.0, out)
        if not self.keep_empty_features:
            out = out[:, constants["kept"]]
        if self.add_indicator:
            indicator = missing[:, constants["indicator"]].to(out.dtype)
            out = torch.cat([out, indicator], dim=1)
        return (out,)

    def _onnx_output_shapes(self):
        n_out = self.n_features_in_
        if not self.keep_empty_features:
            n_out -= int(self._empty_features.sum())
        if self.add_indicator:
            n_out += len(self._indicator_features)
        return [("real", n_out)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = is_scalar_nan(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
