"""AutoencoderOutlierDetector: anomaly scores from an ensemble of autoencoders."""

# License: BSD 3 clause

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import OutlierMixin
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._base import _BaseAutoencoder, _fit_context
from sklearn_ae._networks import Autoencoder, EnsembleDecoder, EnsembleEncoder
from sklearn_ae._utils import derive_seed

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
# outliers (its rows are each other's nearest codes: masking); fewer
# reference rows (500, 1000) scored worse on letter.
_NEIGHBORS = 10
_REFERENCE = 2000

# Training rows on which the medians of the score's parts are measured.
_PART_SAMPLE = 2000


def _robust_scale(values):
    """Trimmed root mean square of each column of ``values`` (2-D)."""
    squares = values.astype(np.float64) ** 2
    cut = np.quantile(squares, _SCALE_QUANTILE, axis=0)
    kept = np.where(squares <= cut, squares, 0.0)
    trimmed = np.sqrt(kept.sum(axis=0) / np.maximum((squares <= cut).sum(axis=0), 1))
    plain = np.sqrt(squares.mean(axis=0))
    scale = np.maximum(trimmed, _SCALE_FLOOR * plain)
    # A column that is exactly zero everywhere (a constant feature) gets a
    # tiny scale relative to the others, so any deviation later counts.
    tiny = max(1e-6 * float(np.sqrt(squares.mean())), np.finfo(np.float32).tiny)
    return np.maximum(scale, tiny)


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
    nearest codes of up to 2,000 training rows kept in the model. Each part
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
        percentile of the training scores, so that share of the training
        rows is flagged. "auto" puts it at the lower whisker of a box plot of
        the training scores (Tukey's fence, ``Q1 - 1.5 * IQR``): rows whose
        score is unusually low for this data are flagged, however many there
        are (on the 12 ADBench sets, 8% of the rows on average, from 4% to
        14%).
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
    activation : {"relu", "tanh", "gelu", "leaky_relu", "elu", "selu", \
"silu", "sigmoid", "logistic", "identity"}, default="relu"
        Activation between hidden layers.
    output_activation : {"auto", "identity", "sigmoid", "tanh", "relu"}, \
default="auto"
        Activation of the reconstruction. "auto" is "sigmoid" with
        ``loss="bce"`` and "identity" otherwise.
    dropout : float, default=0.0
        Dropout probability after each hidden layer, during training only.
    alpha : float, default=0.0
        L2 penalty (weight decay) on the network's weights.
    loss : {"mse", "bce", "l1", "huber"}, default="mse"
        Training loss. The scores always use squared errors.
    init : {"pca", "random"}, default="pca"
        "pca" starts each member from the PCA solution of its width.
    solver : {"adam", "adamw", "sgd"}, default="adam"
        Optimizer ("sgd" uses Nesterov momentum 0.9).
    learning_rate_init : float, default=1e-2
        Initial learning rate.
    learning_rate : {"adaptive", "constant", "cosine"}, default="cosine"
        Learning-rate schedule, as in
        :class:`~sklearn_ae.AutoencoderTransformer`: "cosine" decays it to
        zero over the ``max_iter`` epochs.
    batch_size : int or "auto", default="auto"
        Rows per training step. "auto" is ``clip(n_rows // 32, 16, 256)``.
    max_iter : int, default=10
        Maximum number of epochs. A budget, not a convergence target: an
        autoencoder trained to convergence also learns to reconstruct the
        outliers in its training data, so no ``ConvergenceWarning`` is
        raised when it is used up.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows and stop when
        their loss stops improving.
    validation_fraction : float, default=0.1
        Share of rows held out when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before training stops.
    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as improvement.
    device : str, default="cpu"
        "cpu", "cuda", "cuda:N", "mps", or "auto" (CUDA when available).
    random_state : int, RandomState instance or None, default=None
        Seeds the row subsample, weight initialisation and shuffling.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar with the loss of each epoch.
    accelerate : bool, default=False
        Train through Hugging Face Accelerate (see
        :class:`~sklearn_ae.AutoencoderTransformer`).
    network, input_shape, conv_channels, upsampling, cell, sparsity, \
sparsity_weight, sparsity_target
        As in :class:`~sklearn_ae.AutoencoderTransformer`: every member gets
        the same network, e.g. ``network="recurrent"`` with
        ``input_shape=(window, n_channels)`` scores windows of a series
        (see :func:`~sklearn_ae.sliding_windows`).

    Attributes
    ----------
    offset_ : float
        Threshold on ``score_samples``: ``decision_function`` is
        ``score_samples - offset_``, negative below it.
    n_components_ : tuple of int
        Code width of each member.
    max_samples_ : int
        Number of rows trained on.
    encoder_ : torch.nn.Module
        Maps a float32 tensor of shape (n, n_features_in_) to the members'
        codes, side by side: shape (n, sum(n_components_)).
    decoder_ : torch.nn.Module
        Maps those codes to the members' reconstructions, shape
        (n, n_estimators, n_features_in_).
    loss_curve_ : list of float
        Training loss of each epoch (the mean over the members).
    validation_scores_ : list of float or None
        Minus the validation loss of each epoch with ``early_stopping=True``.
    best_loss_ : float
        Lowest monitored loss; the weights of that epoch are kept.
    n_iter_ : int
        Number of epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.ensemble.IsolationForest : Outlier detection with random trees.
    sklearn.neighbors.LocalOutlierFactor : Outlier detection by local density.
    AutoencoderTransformer : ``score_samples`` is its plain reconstruction
        error.

    Notes
    -----
    The choices were measured on 12 ADBench sets (unsupervised protocol:
    standardised, fit and score on all rows, mean ROC-AUC; details in
    :ref:`outlier_detection` and ``benchmarks/bench_outliers.py``). With one
    autoencoder, the plain mean squared reconstruction error scores 0.821;
    dividing each feature's error by its usual scale, 0.851; adding the
    code's distance from the centre, 0.898. Spreading three members over code
    widths of 10% to 50% of the features and using a trimmed error scale,
    0.911 (0.891 for the same score built on PCA); adding the distance of
    each code to its nearest training codes, 0.922, against 0.900 for
    :class:`~sklearn.ensemble.IsolationForest`. Trimming the worst rows out
    of the training loss, more epochs, wider layers, more members, dropout
    or weight decay did not help measurably.

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
        network="dense",
        input_shape=None,
        conv_channels=(32, 64),
        upsampling="transpose",
        cell="lstm",
        sparsity=None,
        sparsity_weight="auto",
        sparsity_target=0.05,
    ):
        super().__init__(
            n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            output_activation=output_activation,
            dropout=dropout,
            alpha=alpha,
            loss=loss,
            init=init,
            solver=solver,
            learning_rate_init=learning_rate_init,
            learning_rate=learning_rate,
            batch_size=batch_size,
            max_iter=max_iter,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            device=device,
            random_state=random_state,
            verbose=verbose,
            accelerate=accelerate,
            network=network,
            input_shape=input_shape,
            conv_channels=conv_channels,
            upsampling=upsampling,
            cell=cell,
            sparsity=sparsity,
            sparsity_weight=sparsity_weight,
            sparsity_target=sparsity_target,
        )
        self.contamination = contamination
        self.n_estimators = n_estimators
        self.max_samples = max_samples

    @_fit_context(prefer_skip_nested_validation=True)
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
        n_samples, n_features = X.shape
        rng = np.random.RandomState(derive_seed(self.random_state))
        max_samples = self._resolve_max_samples(n_samples)
        X_train = X
        if max_samples < n_samples:
            rows = rng.choice(n_samples, max_samples, replace=False)
            X_train = X[np.sort(rows)]
        # _build_module reads the widths while training; a failed fit (e.g.
        # divergence) leaves a previously fitted detector as it was.
        previous = getattr(self, "_widths", None)
        self._widths = self._member_widths(n_features)
        try:
            self._fit_network(X_train)
        except BaseException:
            self._widths = previous
            raise
        self._set_score_statistics(X_train, rng)
        self.n_components_ = self._widths
        self.max_samples_ = max_samples
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

    def _code_width(self):
        return int(sum(self._widths))

    def _build_module(self, X, Y, hidden, seed, n_components=None):
        members = [
            super(AutoencoderOutlierDetector, self)._build_module(
                X, Y, hidden, seed, n_components=k
            )
            for k in self._widths
        ]
        return Autoencoder(
            EnsembleEncoder([m.encoder for m in members]),
            EnsembleDecoder([m.decoder for m in members], self._widths),
        )

    def _warn_if_unfinished(self, result):
        # max_iter is a training budget here, not a convergence target: an
        # autoencoder trained to convergence also learns to reconstruct the
        # outliers in its training data. Warn only about interruptions.
        if result.n_iter < self.max_iter and not result.stopped_early:
            super()._warn_if_unfinished(result)

    def _raw_parts(self, x):
        """Residuals ``(b, M * F)`` and codes ``(b, K)`` of a batch."""
        reconstruction, code = self._net.module_(x)
        residuals = reconstruction - x.unsqueeze(1)
        return torch.cat([residuals.flatten(1), code], dim=1)

    def _set_score_statistics(self, X, rng):
        """Scales, centre and reference codes of the score, from training rows."""
        n, n_members, n_features = X.shape[0], len(self._widths), X.shape[1]
        limit = _STATS_VALUES // (n_members * n_features)
        limit = min(_STATS_SAMPLE, max(_AUTO_MIN_SAMPLES, limit))
        if n > limit:
            X = X[np.sort(rng.choice(n, limit, replace=False))]
        width = n_members * n_features
        parts = self._map_batches(
            X, self._raw_parts, width + self._code_width(), np.float64
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
        return len(self._widths) * self._code_reference.shape[0]

    def _tensors(self, x):
        def t(a):
            return torch.as_tensor(a, dtype=torch.float32, device=x.device)

        return (
            t(self._residual_scale),
            t(self._code_center),
            t(self._code_scale),
            t(self._code_reference),
        )

    def _member_parts(self, x):
        """The two parts of each member's error for each row: ``(b, 2 * M)``.

        Columns ``m``: reconstruction error plus code distance from the
        median code; columns ``M + m``: mean distance of the code to its
        nearest reference codes. ``_scores`` divides them by ``_part_scale``.
        """
        residual_scale, center, code_scale, reference = self._tensors(x)
        reconstruction, code = self._net.module_(x)
        errors = ((reconstruction - x.unsqueeze(1)) / residual_scale) ** 2
        code = (code - center) / code_scale
        n_neighbors = min(_NEIGHBORS, reference.shape[0])
        central, neighbors = [], []
        for z, ref in zip(
            code.split(self._widths, dim=1),
            reference.split(self._widths, dim=1),
            strict=True,
        ):
            central.append((z**2).mean(dim=1))
            # The exact distances (no matrix-product shortcut), so that a row
            # scores the same alone or in any batch.
            distance = torch.cdist(z, ref, compute_mode="donot_use_mm_for_euclid_dist")
            nearest = distance.topk(n_neighbors, dim=1, largest=False).values
            neighbors.append(nearest.mean(dim=1))
        reconstruction_part = errors.mean(dim=2) + torch.stack(central, dim=1)
        return torch.cat([reconstruction_part, torch.stack(neighbors, dim=1)], dim=1)

    def _feature_terms(self, x):
        """Normalised squared error of each feature, averaged over members."""
        residual_scale = self._tensors(x)[0]
        reconstruction, _ = self._net.module_(x)
        errors = ((reconstruction - x.unsqueeze(1)) / residual_scale) ** 2
        return errors.mean(dim=1)

    def _scores(self, X):
        n_parts = 2 * len(self._widths)
        parts = self._map_batches(
            X, self._member_parts, n_parts, np.float64, self._reference_width()
        )
        return -(parts / self._part_scale).mean(axis=1)
