"""AutoencoderTransformer: non-linear dimensionality reduction."""

# License: BSD 3 clause

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._base import _BaseAutoencoder
from sklearn_ae._docs import fill_doc
from sklearn_ae._losses import row_errors
from sklearn_ae._utils import assign_params, fit_method


@fill_doc
class AutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseAutoencoder
):
    """Non-linear dimensionality reduction with an autoencoder.

    A drop-in alternative to :class:`~sklearn.decomposition.PCA`: ``transform``
    returns an ``n_components``-dimensional code, ``inverse_transform`` maps
    codes back to the input space. With the default ``init="pca"`` the network
    starts from the PCA solution (a linear path initialised from PCA plus a
    non-linear residual whose last layer starts at zero) and training moves it
    from there.

    Read more in :ref:`pca_vs_autoencoder` and :ref:`choosing`.

    Parameters
    ----------
    n_components : int, default=2
        Size of the code (the latent space).
    {shared parameters}

    Attributes
    ----------
    {shared attributes}

    See Also
    --------
    sklearn.decomposition.PCA : Linear dimensionality reduction.
    sklearn.decomposition.KernelPCA : Non-linear reduction with kernels.
    DenoisingAutoencoder : Trained on corrupted inputs.
    AutoencoderOutlierDetector : Reconstruction-error anomaly scores.
    VariationalAutoencoder : A generative autoencoder (sampling, ELBO).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(n_components=8, max_iter=5, random_state=0)
    >>> ae.fit_transform(X / 16).shape
    (1797, 8)
    >>> ae.inverse_transform(ae.transform(X[:3] / 16)).shape
    (3, 64)
    """

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
        early_stopping="auto",
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
        """Fit the autoencoder to X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X = self._validate_X(X, reset=True)
        self._fit_network(X)
        self._n_features_out = self.n_components
        return self

    @fit_method
    def partial_fit(self, X, y=None):
        """Train one epoch on a chunk of rows (the ``IncrementalPCA`` contract).

        The first call builds the network from this chunk (and its PCA start
        from the chunk); each later call trains one more epoch on the rows it
        is given, the optimizer state carried over. Use it to stream data
        that does not fit in memory, chunk by chunk.

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
        return self._codes(X)

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
        Z = check_array(X, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components:
            raise ValueError(
                f"inverse_transform expects codes with n_components="
                f"{self.n_components} columns, but got {Z.shape[1]}. Pass the "
                "output of transform."
            )
        return self._decode(Z)

    def _reconstruction_errors(self, X):
        """Mean squared reconstruction error of each row, shape (n_samples,)."""
        return self._map_batches(
            X, lambda m, x: row_errors(m(x)[0], x), 1, np.float64
        ).ravel()

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
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
