"""AutoencoderOutlierDetector: anomaly scores from an ensemble of autoencoders."""

# License: BSD 3 clause

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._base import Recipe, _BaseAutoencoder
from sklearn_ae._docs import fill_doc
from sklearn_ae._sklearn_compat import Interval, RealNotInt, StrOptions
from sklearn_ae._utils import assign_params, derive_seed, fit_method

# Code widths of the members with n_components="auto", as shares of the
# number of features: from a tight bottleneck (10%) to a loose one (50%) ...
_AUTO_SHARES = (0.1, 0.5)

# ... of at most 2 * _MAX_WIDTH features: on wider data the widths stay at
# those of 2 * _MAX_WIDTH features (e.g. 6, 14 and 32), so that the network
# and the PCA start grow linearly with the number of features, not with its
# square.
_MAX_WIDTH = 32

# contamination="auto" flags scores below Q1 - _FENCE * IQR of the training
# scores (Tukey's fence, the lower whisker of a box plot).
_FENCE = 1.5

# Rows kept when max_samples="auto": at most _AUTO_MAX_SAMPLES, and at most
# _AUTO_VALUES / n_features (but at least _AUTO_MIN_SAMPLES), so that the
# training cost stays linear in the number of features.
_AUTO_MAX_SAMPLES = 10_000
_AUTO_VALUES = 2**20
_AUTO_MIN_SAMPLES = 256

# Training rows used to estimate the error scales: at most _STATS_SAMPLE, and
# at most _STATS_VALUES / (n_estimators * n_features) (but at least
# _AUTO_MIN_SAMPLES), so that the residuals held stay bounded.
_STATS_SAMPLE = 10_000
_STATS_VALUES = 2**23

# The error scale of a feature is the root mean square of its errors over the
# rows below this quantile: robust to the outliers in the training data.
_SCALE_QUANTILE = 0.9

# ... but at least this share of the plain root mean square, so that a
# feature reconstructed exactly on most rows (a discrete one) cannot get a
# near-zero scale that would blow up its few errors.
_SCALE_FLOOR = 0.1

# The neighbour term: mean distance from a row's code to its nearest
# _NEIGHBORS codes among up to _REFERENCE training rows (kept in the model).
# 5 neighbours scored better on ADBench's letter, but missed a cluster of 8
# outliers (its rows are each other's nearest codes: masking). Scoring costs
# a distance to every reference code per row: 2,000 reference rows made
# scoring 100,000 x 30 rows 10x IsolationForest's time, 500 rows 2.5-3x.
# Measured over the 12 ADBench sets (3 seeds): mean ROC-AUC 0.922 with
# 2,000, 0.9215 with 500 (the six sets the defaults were tuned on 0.899 ->
# 0.894, letter 0.873 -> 0.848; the other six 0.945 -> 0.949).
_NEIGHBORS = 10
_REFERENCE = 500

# The threshold offset_ is a percentile of the scores of up to this many
# training rows, drawn at random: scoring every row of a 1,000,000-row table
# took as long as the fit itself, for a percentile that 100,000 rows already
# estimate to about 0.1 percentile point.
_OFFSET_SAMPLE = 100_000

# Training rows on which the medians of the score's parts are measured.
_PART_SAMPLE = 2000


def _robust_scale(values):
    """Trimmed root mean square of each column of ``values`` (2-D), over
    its observed entries (NaN: a missing feature's residual)."""
    squares = values.astype(np.float64) ** 2
    with warnings.catch_warnings():
        # A column with no observed entry: its scale falls to ``tiny``.
        warnings.simplefilter("ignore", RuntimeWarning)
        # nanquantile loops over the columns in Python (110 s for 300,000
        # columns of 10 rows): only where a value is missing.
        quantile = np.nanquantile if np.isnan(squares).any() else np.quantile
        cut = quantile(squares, _SCALE_QUANTILE, axis=0)
        plain = np.nan_to_num(np.sqrt(np.nanmean(squares, axis=0)))
        overall = np.nan_to_num(np.sqrt(np.nanmean(squares)))
    kept = np.where(squares <= cut, squares, 0.0)
    trimmed = np.sqrt(kept.sum(axis=0) / np.maximum((squares <= cut).sum(axis=0), 1))
    scale = np.maximum(trimmed, _SCALE_FLOOR * plain)
    # A column that is exactly zero everywhere (a constant feature) gets a
    # tiny scale relative to the others, so any deviation later counts.
    tiny = max(1e-6 * float(overall), np.finfo(np.float32).tiny)
    return np.maximum(scale, tiny)


def _mean_nearest(z, reference, k):
    """Mean Euclidean distance from each row of ``z`` to its ``k`` nearest
    rows of ``reference`` (tensors).

    Squared distances by the matrix product, ``|z|^2 + (|r|^2 - 2 z.r)``:
    in float64 (the CPU's inference precision) a row's distances differ by
    about 1e-13 relative between batches, at a third of the cost of exact
    differences. ``|z|^2`` does not change which references are nearest, so
    it is added to the ``k`` selected only. They are selected in place by
    numpy's introselect on the CPU (2 to 3x faster than ``torch.topk``
    there), by ``topk`` elsewhere; an ONNX export runs
    :func:`_mean_nearest_exported`.
    """
    if torch.onnx.is_in_onnx_export():
        return _mean_nearest_exported(z, reference, k)
    partial = torch.addmm((reference**2).sum(dim=1), z, reference.T, alpha=-2)
    if partial.device.type == "cpu":
        values = partial.numpy()
        values.partition(k - 1, axis=1)
        smallest = partial[:, :k]
    else:
        smallest = partial.topk(k, dim=1, largest=False).values
    squared = smallest + (z**2).sum(dim=1, keepdim=True)
    return squared.clamp_min(0).sqrt().mean(dim=1)


def _mean_nearest_exported(z, reference, k):
    """:func:`_mean_nearest` in an ONNX export (float64 ``z``): the ``k``
    nearest are selected in float32 (onnxruntime computes the whole batch's
    distance matrix at once: float64 doubled its memory traffic, and
    scoring 100,000 rows took 1.6 s against 1.2 s), then their distances
    are computed exactly, in float64, from the differences."""
    partial = torch.addmm(
        (reference.float() ** 2).sum(dim=1), z.float(), reference.float().T, alpha=-2
    )
    nearest = reference[partial.topk(k, dim=1, largest=False).indices]
    squared = ((nearest - z.unsqueeze(1)) ** 2).sum(dim=2)
    return squared.sqrt().mean(dim=1)


@fill_doc
class AutoencoderOutlierDetector(OutlierMixin, _BaseAutoencoder):
    """Outlier detection with an ensemble of small autoencoders.

    Rows that the autoencoders reconstruct badly, whose code lies far out in
    the latent space, or whose code has no close neighbours among the
    training rows' codes, get low scores. The contract is that of
    :class:`~sklearn.ensemble.IsolationForest`: ``fit(X)`` (X may contain
    outliers, no labels needed), ``score_samples`` (higher is more normal),
    ``decision_function = score_samples - offset_`` (negative for outliers),
    ``predict`` (+1 inlier, -1 outlier) and ``fit_predict``.

    ``n_estimators`` autoencoders of different code widths (with
    ``n_components="auto"``, from 10% to 50% of the number of features, at
    most 32) are
    trained side by side, as one network, through the package's training
    engine, on up to ``max_samples`` rows. Each member judges a row in two
    parts. The first is the mean over the features of its squared
    reconstruction error divided by that feature's usual error (a robust
    scale measured on the training rows), plus the mean squared distance of
    its code from the median code, per code unit, in the same robust units.
    The second is the mean distance of its (standardised) code to the 10
    nearest codes of up to 500 training rows kept in the model. Each part
    is divided by its median over the training rows, and the score is minus
    the mean of all the parts: about -1 for a typical training row, far
    below for outliers. Scores are deterministic: no sampling at inference.

    Read more in :ref:`outlier_detection`.

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Code width of every member. "auto" spreads the members' widths
        geometrically from 10% to 50% of the number of features (at least
        1), e.g. 2, 4 and 10 for 20 features: tight bottlenecks catch rows
        off the data's main structure, loose ones rows with unusual detail.
        Beyond 64 features the widths stay at 6, 14 and 32 (shares of 64),
        so that the cost of fit and scoring grows linearly with the number
        of features.
    contamination : "auto" or float, default="auto"
        Share of outliers expected in the training data, which sets the
        threshold ``offset_``. A float in (0, 0.5] puts ``offset_`` at that
        percentile of the training scores (of 100,000 training rows drawn at
        random on larger data), so that share of the training rows is
        flagged. "auto" puts it at the lower whisker of a box plot of
        the training scores (Tukey's fence, ``Q1 - 1.5 * IQR``): rows whose
        score is unusually low for this data are flagged, however many there
        are.
    n_estimators : int, default=3
        Number of autoencoders in the ensemble.
    max_samples : "auto", int or float, default="auto"
        Rows drawn at random (the same rows for every member) to train on:
        an int is a number of rows, a float a share of them, "auto" is
        ``min(n_samples, 10_000, max(256, 2**20 // n_features))`` (674 rows
        of 1,555 features, say). Bounds the training time on large or wide
        data; the scores are computed for every row.
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Widths of each member's encoder hidden layers; the decoder mirrors
        them.
    loss : {"mse", "bce", "l1", "huber"}, default="mse"
        Training loss. The scores always use squared errors.
    init : {"pca", "random"}, default="pca"
        "pca" starts each member from the PCA solution of its width.
    max_iter : int, default=10
        Maximum number of epochs. A budget, not a convergence target: an
        autoencoder trained to convergence also learns to reconstruct the
        outliers in its training data, so no ``ConvergenceWarning`` is
        raised when it is used up.
    random_state : int, RandomState instance or None, default=None
        Seeds the row subsample, weight initialisation and shuffling.
    {shared parameters}

    Attributes
    ----------
    offset_ : float
        Threshold on ``score_samples``: ``decision_function`` is
        ``score_samples - offset_``, negative below it.
    n_components_ : tuple of int
        Code width of each member.
    max_samples_ : int
        Number of rows trained on.
    {shared attributes}

    See Also
    --------
    sklearn.ensemble.IsolationForest : Outlier detection with random trees.
    sklearn.neighbors.LocalOutlierFactor : Outlier detection by local density.
    AutoencoderTransformer : ``score_samples`` is its plain reconstruction
        error.

    Notes
    -----
    How each part of the score was chosen, with the measurements behind it,
    is in :ref:`outlier_detection`.

    The score catches three kinds of outliers: rows off the structure the
    autoencoders learned reconstruct badly, rows far out along it have
    extreme codes, and rows in an empty region of it (between clusters, say)
    have codes with no close neighbours. :meth:`reconstruction_errors`
    explains the first kind, feature by feature; a row flagged for the other
    two has small errors everywhere.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AutoencoderOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> t = rng.uniform(-1, 1, size=(300, 1))
    >>> X = np.hstack([t, t ** 2, np.sin(3 * t)]) + 0.01 * rng.normal(size=(300, 3))
    >>> X[:3, 1] += 2.0  # three rows off the curve
    >>> detector = AutoencoderOutlierDetector(
    ...     contamination=0.01, max_iter=20, random_state=0
    ... ).fit(X)
    >>> np.flatnonzero(detector.predict(X) == -1)
    array([0, 1, 2])
    >>> detector.reconstruction_errors(X[:2]).shape
    (2, 3)
    """

    _fitted_attributes = (
        *_BaseAutoencoder._fitted_attributes,
        "offset_",
        "n_components_",
        "max_samples_",
        "_residual_scale",
        "_code_center",
        "_code_scale",
        "_code_reference",
        "_part_scale",
    )

    # Scores compare raw residuals: keep the output unbounded (not measured
    # with a sigmoid on [0, 1] data).
    _sigmoid_for_unit_range = False

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "n_components": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
        ],
    }

    def __init__(
        self,
        n_components="auto",
        *,
        contamination="auto",
        n_estimators=3,
        max_samples="auto",
        hidden_layer_sizes=(64,),
        activation="relu",
        output_activation="auto",
        dropout=0.0,
        alpha=0.0,
        loss="mse",
        init="pca",
        solver="adam",
        learning_rate_init=1e-2,
        learning_rate="cosine",
        batch_size="auto",
        max_iter=10,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        random_state=None,
        verbose=0,
        accelerate=False,
        callbacks=None,
        network="dense",
        input_shape=None,
        sparsity=None,
        sparsity_weight="auto",
        sparsity_target=0.05,
    ):
        assign_params(self, locals())

    @fit_method
    def fit(self, X, y=None):
        """Fit the autoencoders on X and set the threshold ``offset_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, which may contain outliers.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X = self._validate_X(X, reset=True)
        n_samples = X.shape[0]
        rng = np.random.RandomState(derive_seed(self.random_state))
        max_samples = self._resolve_max_samples(n_samples)
        if max_samples < 2:
            raise ValueError(
                f"The detector trains on max_samples={self.max_samples!r} rows of "
                f"n_samples={n_samples}, which leaves {max_samples}; it needs at "
                "least 2 to learn what a typical error is. Pass more rows or a "
                "larger max_samples."
            )
        X_train = X
        if max_samples < n_samples:
            rows = rng.choice(n_samples, max_samples, replace=False)
            X_train = X[np.sort(rows)]
        self._fit_network(X_train)
        self._set_score_statistics(X_train, rng)
        self.max_samples_ = max_samples
        if n_samples > _OFFSET_SAMPLE:
            X = X[np.sort(rng.choice(n_samples, _OFFSET_SAMPLE, replace=False))]
        scores = self._scores(X)
        if self.contamination == "auto":
            # The lower whisker of a box plot of the training scores (Tukey's
            # fence): Q1 - 1.5 * IQR.
            q1, q3 = np.percentile(scores, [25, 75])
            self.offset_ = float(q1 - _FENCE * (q3 - q1))
        else:
            self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        return self

    # --------------------------------------------------------------- scoring
    def score_samples(self, X):
        """Anomaly score of each row: higher is more normal.

        Minus the mean of the members' normalised errors: reconstruction
        errors in units of each feature's usual error plus the code's
        distance from the median code in units of its usual spread, and the
        code's mean distance to its nearest training codes, each part
        divided by its median over the training rows. About -1 for a typical
        training row; rows far below are outliers. Deterministic: the same
        rows give the same scores, alone or in any batch.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the normalised error; about -1 for a typical training row.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._scores(X)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Negative for outliers, positive for inliers.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Label each row: +1 for an inlier, -1 for an outlier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 where ``decision_function(X) >= 0``, else -1.
        """
        decision = self.decision_function(X)
        labels = np.ones(decision.shape[0], dtype=int)
        labels[decision < 0] = -1
        return labels

    def reconstruction_errors(self, X):
        """Normalised squared reconstruction error of each feature of each row.

        ``((x_j - xhat_j) / s_j) ** 2`` averaged over the members, where
        ``s_j`` is feature ``j``'s usual reconstruction error on the training
        rows: about 1 on a typical row, large where a row breaks the
        relations between features that the autoencoders learned. The mean
        over the features is the reconstruction part of the anomaly score
        (before each member's division by its median).

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        errors : ndarray or DataFrame of shape (n_samples, n_features)
            A DataFrame with X's index and columns when X is a pandas
            DataFrame.
        """
        check_is_fitted(self)
        columns = getattr(X, "columns", None)
        index = getattr(X, "index", None)
        X = self._validate_X(X, reset=False)
        errors = self._map_batches(X, self._feature_terms, X.shape[1], X.dtype)
        if columns is not None and index is not None:
            import pandas as pd

            return pd.DataFrame(errors, index=index, columns=columns)
        return errors

    # -------------------------------------------------------------- internals
    def _member_widths(self, n_features):
        if self.n_components != "auto":
            return (int(self.n_components),) * self.n_estimators
        if self.n_estimators == 1:
            shares = [math.sqrt(_AUTO_SHARES[0] * _AUTO_SHARES[1])]
        else:
            shares = np.geomspace(*_AUTO_SHARES, self.n_estimators)
        n_features = min(n_features, 2 * _MAX_WIDTH)
        return tuple(max(1, int(round(share * n_features))) for share in shares)

    def _resolve_max_samples(self, n_samples):
        if self.max_samples == "auto":
            wide = max(_AUTO_MIN_SAMPLES, _AUTO_VALUES // self.n_features_in_)
            return min(n_samples, _AUTO_MAX_SAMPLES, wide)
        if isinstance(self.max_samples, Integral):
            return min(n_samples, int(self.max_samples))
        return max(1, int(math.ceil(self.max_samples * n_samples)))

    def _fitted_facts(self, X):
        return {"n_components_": self._member_widths(X.shape[1])}

    def _recipe(self):
        # max_iter is a training budget here, not a convergence target: an
        # autoencoder trained to convergence also learns to reconstruct the
        # outliers in its training data. So no ConvergenceWarning.
        return Recipe(
            widths=self.n_components_,
            ensemble=True,
            loss=self.loss,
            warn_unconverged=False,
            **self._sparsity_parts(),
        )

    def _fitted_arrays(self):
        n_members, n_features = len(self.n_components_), self.n_features_in_
        n_codes = sum(self.n_components_)
        return {
            **super()._fitted_arrays(),
            "_residual_scale": ((n_members, n_features), "f"),
            "_code_center": ((n_codes,), "f"),
            "_code_scale": ((n_codes,), "f"),
            "_code_reference": ((None, n_codes), "f"),
            "_part_scale": ((2 * n_members,), "f"),
        }

    def _raw_parts(self, module, x):
        """Residuals ``(b, M * F)`` and codes ``(b, K)`` of a batch."""
        reconstruction, code = module(x)
        residuals = reconstruction - x.unsqueeze(1)
        return torch.cat([residuals.flatten(1), code], dim=1)

    def _set_score_statistics(self, X, rng):
        """Scales, centre and reference codes of the score, from training rows."""
        self._inference().extras.clear()
        n, n_members, n_features = X.shape[0], len(self.n_components_), X.shape[1]
        limit = _STATS_VALUES // (n_members * n_features)
        limit = min(_STATS_SAMPLE, max(_AUTO_MIN_SAMPLES, limit))
        if n > limit:
            X = X[np.sort(rng.choice(n, limit, replace=False))]
        width = n_members * n_features
        parts = self._map_batches(
            X, self._raw_parts, width + sum(self.n_components_), np.float64
        )
        residuals = parts[:, :width].reshape(-1, n_members, n_features)
        codes = parts[:, width:]
        self._residual_scale = np.stack(
            [_robust_scale(residuals[:, m]) for m in range(n_members)]
        )
        self._code_center = np.median(codes, axis=0)
        self._code_scale = _robust_scale(codes - self._code_center)
        reference = np.arange(codes.shape[0])
        if codes.shape[0] > _REFERENCE:
            reference = np.sort(rng.choice(codes.shape[0], _REFERENCE, replace=False))
        self._code_reference = (
            (codes[reference] - self._code_center) / self._code_scale
        ).astype(np.float32)
        # The parts' medians need fewer rows than the error scales: the
        # neighbour part costs a distance to every reference code per row.
        if X.shape[0] > _PART_SAMPLE:
            X = X[np.sort(rng.choice(X.shape[0], _PART_SAMPLE, replace=False))]
        terms = self._map_batches(
            X, self._member_parts, 2 * n_members, np.float64, self._reference_width()
        )
        scale = np.median(terms, axis=0)
        # Many duplicate rows can make a median zero: fall back on the mean.
        scale = np.where(scale > 0, scale, terms.mean(axis=0))
        self._part_scale = np.where(scale > 0, scale, 1.0)

    def _reference_width(self):
        return len(self.n_components_) * self._code_reference.shape[0]

    def _tensors(self, x):
        """The score's statistics as tensors of x's dtype and device, made
        once per fitted detector (kept with its inference copy)."""
        key = ("score", x.dtype, x.device, id(self._code_reference))
        extras = self._inference().extras
        if key not in extras:
            arrays = (
                self._residual_scale,
                self._code_center,
                self._code_scale,
                self._code_reference,
            )
            extras.clear()
            extras[key] = tuple(
                torch.as_tensor(a, dtype=x.dtype, device=x.device) for a in arrays
            )
        return extras[key]

    def _member_parts(self, module, x, statistics=None):
        """The two parts of each member's error for each row: ``(b, 2 * M)``.

        Columns ``m``: reconstruction error plus code distance from the
        median code; columns ``M + m``: mean distance of the code to its
        nearest reference codes. ``_scores`` divides them by ``_part_scale``.
        ``statistics``: the score's statistics as tensors (by default
        :meth:`_tensors`).
        """
        if statistics is None:
            statistics = self._tensors(x)
        residual_scale, center, code_scale, reference = statistics
        reconstruction, code = module(x)
        errors = ((reconstruction - x.unsqueeze(1)) / residual_scale) ** 2
        code = (code - center) / code_scale
        n_neighbors = min(_NEIGHBORS, reference.shape[0])
        central, neighbors = [], []
        for z, ref in zip(
            code.split(self.n_components_, dim=1),
            reference.split(self.n_components_, dim=1),
            strict=True,
        ):
            central.append((z**2).mean(dim=1))
            neighbors.append(_mean_nearest(z, ref, n_neighbors))
        # The mean over a row's observed features (NaN marks a missing one).
        observed = ~torch.isnan(errors)
        n_observed = observed.sum(dim=2).clamp_min(1)
        errors = torch.where(observed, errors, 0.0).sum(dim=2) / n_observed
        reconstruction_part = errors + torch.stack(central, dim=1)
        return torch.cat([reconstruction_part, torch.stack(neighbors, dim=1)], dim=1)

    def _feature_terms(self, module, x):
        """Normalised squared error of each feature, averaged over members."""
        residual_scale = self._tensors(x)[0]
        reconstruction, _ = module(x)
        errors = ((reconstruction - x.unsqueeze(1)) / residual_scale) ** 2
        return errors.mean(dim=1)

    def _scores(self, X):
        n_parts = 2 * len(self.n_components_)
        parts = self._map_batches(
            X, self._member_parts, n_parts, np.float64, self._reference_width()
        )
        return -(parts / self._part_scale).mean(axis=1)

    def _onnx_constants(self):
        return {
            "residual_scale": self._residual_scale,
            "code_center": self._code_center,
            "code_scale": self._code_scale,
            "code_reference": self._code_reference,
            "part_scale": self._part_scale,
            "offset": np.float64(self.offset_),
        }

    def _onnx_outputs(self, module, x, constants):
        # label and scores (decision_function), as skl2onnx exports
        # IsolationForest; each (n, 1). The network runs in float32, the
        # errors and distances in float64: in float32 the distances to
        # the nearest codes lose digits to cancellation (scores 1e-4
        # relative from the estimator's, 2e-7 so).
        def network(rows):
            reconstruction, code = module(rows.float())
            return reconstruction.double(), code.double()

        names = ("residual_scale", "code_center", "code_scale", "code_reference")
        statistics = tuple(constants[name].double() for name in names)
        parts = self._member_parts(network, x.double(), statistics)
        scores = -(parts / constants["part_scale"]).mean(dim=1, keepdim=True)
        decision = scores - constants["offset"]
        labels = torch.where(decision < 0, -1, 1).to(torch.int64)
        return labels, decision.float()

    def _onnx_output_shapes(self):
        return [("int", 1), ("real", 1)]
