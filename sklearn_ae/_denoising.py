"""DenoisingAutoencoder: robust features and restoration."""

# License: BSD 3 clause

from numbers import Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._base import (
    Interval,
    StrOptions,
    _BaseAutoencoder,
    _check_float32_range,
    _fit_context,
    _LatentMixin,
)
from sklearn_ae._noise import NOISE_KINDS, Corruption


def _column_extremes(X):
    """Per-column minimum and maximum as float32 tensors (dense or sparse X)."""

    def dense(a):
        a = a.toarray() if sp.issparse(a) else a
        return torch.as_tensor(np.asarray(a, dtype=np.float32)).ravel()

    return dense(X.min(axis=0)), dense(X.max(axis=0))


def _reconstructs_input(estimator):
    """score_samples compares rows with their reconstruction: not in paired mode."""
    return not getattr(estimator, "_paired", False)


class DenoisingAutoencoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _LatentMixin, _BaseAutoencoder
):
    """Autoencoder trained to undo corruption: robust codes and restoration.

    ``fit(X)`` trains on freshly corrupted copies of ``X`` every epoch
    (``noise``, ``noise_level``) with the clean rows as target, so the network
    learns the structure of the data rather than the identity, and
    :meth:`predict` maps noisy rows to clean ones. ``fit(X, Y)`` learns a
    paired map ``X -> Y`` instead (noisy -> clean, masked -> whole for
    inpainting, gray -> colour for colorization), with no extra noise unless
    ``paired_noise=True``. Validation losses (``early_stopping=True``) are
    what training minimises: outputs from corrupted validation rows (the same
    noise every epoch) against the clean targets.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code.
    noise : {"gaussian", "masking", "salt_pepper"} or None, default="gaussian"
        Corruption of the training inputs: "gaussian" adds noise of standard
        deviation ``noise_level``; "masking" sets a ``noise_level`` share of
        the entries to zero; "salt_pepper" sets a ``noise_level`` share to
        their column's training minimum or maximum. None trains on clean rows.
    noise_level : float, default=0.4
        Standard deviation ("gaussian") or share of entries ("masking",
        "salt_pepper").
    paired_noise : bool, default=False
        With ``fit(X, Y)``, also corrupt ``X`` during training.
    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation, output_activation, dropout, alpha, loss, init, solver, \
learning_rate_init, learning_rate, batch_size, max_iter, early_stopping, \
validation_fraction, n_iter_no_change, tol, device, random_state, verbose, \
accelerate, network, input_shape, conv_channels, upsampling, cell, \
sparsity, sparsity_weight, sparsity_target
        As in :class:`AutoencoderTransformer`.

    Attributes
    ----------
    encoder_, decoder_ : torch.nn.Module
        The trained encoder and decoder.
    loss_curve_ : list of float
        Training loss (on corrupted inputs) of each epoch.
    validation_scores_ : list of float or None
        Minus the validation loss (corrupted inputs, as in training, against
        clean targets) of each epoch, with ``early_stopping=True``.
    best_loss_ : float
        Lowest monitored loss.
    n_iter_ : int
        Number of epochs run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    AutoencoderTransformer : The same network trained on clean rows.
    sklearn.decomposition.KernelPCA : Denoising by kernel PCA pre-images.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import DenoisingAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> noisy = X + np.random.RandomState(0).normal(scale=0.25, size=X.shape)
    >>> dae = DenoisingAutoencoder(max_iter=5, random_state=0).fit(noisy)
    >>> dae.predict(noisy[:4]).shape
    (4, 64)
    >>> paired = DenoisingAutoencoder(max_iter=5, random_state=0).fit(noisy, X)
    >>> paired.predict(noisy[:4]).shape
    (4, 64)
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "noise": [StrOptions(set(NOISE_KINDS)), None],
        "noise_level": [Interval(Real, 0, None, closed="left")],
        "paired_noise": ["boolean"],
    }

    def __init__(
        self,
        n_components=32,
        *,
        noise="gaussian",
        noise_level=0.4,
        paired_noise=False,
        hidden_layer_sizes=(256, 128),
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
        self.noise = noise
        self.noise_level = noise_level
        self.paired_noise = paired_noise

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train on corrupted ``X`` to give clean ``X``, or learn ``X -> y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows (inputs).
        y : array-like of shape (n_samples,) or (n_samples, n_targets), \
default=None
            Paired targets (clean rows, whole images, colour images). Without
            it the estimator reconstructs ``X`` from corrupted copies.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X = self._validate_X(X, reset=True)
        Y = None
        if y is not None:
            y, _ = self._flatten_images(y, reset=True, name="y")
            Y = check_array(
                y, ensure_2d=False, dtype=[np.float64, np.float32], input_name="y"
            )
            check_consistent_length(X, Y)
            _check_float32_range(Y)
        self._y_1d = Y is not None and Y.ndim == 1
        self._fit_network(X, None if Y is None else Y.reshape(len(Y), -1))
        self._n_features_out = self.n_components
        return self

    def predict(self, X):
        """Restore rows: the network's output for ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to restore (noisy, masked, gray...).

        Returns
        -------
        Y_pred : ndarray of shape (n_samples, n_targets) or (n_samples,)
            Restored rows, shaped like the ``y`` given to ``fit`` (like ``X``
            without one).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        out = self._reconstruct(X)
        return out.ravel() if self._y_1d else out

    @available_if(_reconstructs_input)
    def score_samples(self, X):
        """Minus the mean squared reconstruction error of each row.

        Not available after a paired ``fit(X, y)``: use ``score(X, y)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return super().score_samples(X)

    def score(self, X, y=None):
        """Minus the mean squared error of the restoration.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), \
default=None
            Targets to compare :meth:`predict` with. Without ``y``, the
            reconstruction of ``X`` itself (not for a paired model).

        Returns
        -------
        score : float
        """
        if y is None:
            if not _reconstructs_input(self):
                raise ValueError(
                    "This DenoisingAutoencoder was fitted on pairs (X, y): "
                    "score needs the targets, score(X, y)."
                )
            return float(np.mean(self.score_samples(X)))
        Y = check_array(y, ensure_2d=False, dtype=[np.float64, np.float32])
        pred = self.predict(X)
        error = pred.reshape(len(pred), -1) - Y.reshape(len(Y), -1)
        return -float(np.mean(error**2))

    def _make_corrupt(self, X, Y):
        if self.noise is None or self.noise_level == 0:
            return None
        if Y is not None and not self.paired_noise:
            return None
        low = high = None
        if self.noise == "salt_pepper":
            low, high = _column_extremes(X)
        return Corruption(self.noise, self.noise_level, low, high)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.target_tags.required = False
        return tags
