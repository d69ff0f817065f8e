"""AutoencoderRegressor: paired maps through a bottleneck."""

# License: BSD 3 clause

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._base import Recipe, _BaseAutoencoder
from sklearn_ae._docs import fill_doc
from sklearn_ae._noise import NOISE_KINDS, corruption_for, noise_arrays, noise_facts
from sklearn_ae._sklearn_compat import Interval, StrOptions
from sklearn_ae._utils import (
    assign_params,
    check_float32_range,
    fit_method,
    refuse_fit_params,
)


@fill_doc
class AutoencoderRegressor(RegressorMixin, _BaseAutoencoder):
    """Encoder-decoder regression: learn a map ``X -> y`` through a bottleneck.

    The encoder reduces each row of ``X`` to an ``n_components`` code and the
    decoder maps the code to the target. It learns paired maps where input
    and target are alike (noisy -> clean rows, masked -> whole images for
    inpainting, gray -> colour images for colorization) and multi-output
    regression with a low-rank structure. The contract is that of
    :class:`~sklearn.neural_network.MLPRegressor`: ``fit(X, y)``,
    ``predict`` and ``score`` (R^2), so ``GridSearchCV`` needs no
    ``scoring``. With the default ``init="pca"`` the dense network starts
    from reduced-rank linear regression: PCA of ``X`` and the least-squares
    map from its codes to ``y``.

    Read more in :ref:`restoration`.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code.
    noise : {"gaussian", "masking", "salt_pepper"} or None, default=None
        Corruption of the training inputs (the targets stay clean), as in
        :class:`DenoisingAutoencoder`; None trains on ``X`` as given.
    noise_level : float, default=0.1
        Standard deviation ("gaussian") or share of entries in [0, 1]
        ("masking", "salt_pepper").
    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    {shared parameters}

    Attributes
    ----------
    {shared attributes}

    See Also
    --------
    sklearn.neural_network.MLPRegressor : A multilayer perceptron regressor.
    DenoisingAutoencoder : Restores its own inputs from corrupted copies.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderRegressor
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> masked = X.copy()
    >>> masked[:, 32:] = 0  # the lower half of each digit is missing
    >>> reg = AutoencoderRegressor(max_iter=5, random_state=0).fit(masked, X)
    >>> reg.predict(masked[:4]).shape
    (4, 64)
    """

    _parameter_constraints: dict = {
        **_BaseAutoencoder._parameter_constraints,
        "noise": [StrOptions(set(NOISE_KINDS)), None],
        "noise_level": [Interval(Real, 0, None, closed="left")],
    }

    _fitted_attributes = (
        *_BaseAutoencoder._fitted_attributes,
        "_noise_extremes",
        "_y_1d",
    )

    def __init__(
        self,
        n_components=32,
        *,
        noise=None,
        noise_level=0.1,
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
        callbacks=None,
        network="dense",
        input_shape=None,
    ):
        assign_params(self, locals())

    @fit_method
    def fit(self, X, y, **fit_params):
        """Learn the map from ``X`` to ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs (with ``network="conv"`` also images shaped
            (n_samples, H, W) or (n_samples, H, W, C)).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets. With ``network="conv"`` they may be images too (any
            number of channels, the inputs' height and width); they are
            flattened to C, H, W rows, the shape :meth:`predict` returns.
        **fit_params : dict
            Not supported: ``sample_weight`` (other than None) raises a
            TypeError that says how to weight rows instead.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        refuse_fit_params(self, fit_params)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None. To reconstruct X itself use AutoencoderTransformer "
                "or DenoisingAutoencoder."
            )
        X = self._validate_X(X, reset=True)
        Y = self._validate_y(y)
        check_consistent_length(X, Y)
        self._y_1d = Y.ndim == 1
        self._fit_network(X, Y.reshape(len(Y), -1))
        return self

    def predict(self, X):
        """Predict the target of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Shaped like the ``y`` given to ``fit`` (images as flat rows).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        out = self._reconstruct(X)
        return out.ravel() if self._y_1d else out

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of :meth:`predict` against ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            True targets (images are flattened as in ``fit``).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2, averaged uniformly over the targets.
        """
        Y = self._validate_y(y)
        return float(r2_score(Y, self.predict(X), sample_weight=sample_weight))

    def _validate_y(self, y):
        y, _ = self._architecture().flatten(y, reset=True, name="y")
        Y = check_array(
            y, ensure_2d=False, dtype=[np.float64, np.float32], input_name="y"
        )
        check_float32_range(Y, name="y")
        return Y

    def _fitted_facts(self, X):
        return noise_facts(self, X)

    def _recipe(self):
        return Recipe(
            widths=(self.n_components,), loss=self.loss, corrupt=corruption_for(self)
        )

    def _fitted_arrays(self):
        return {**super()._fitted_arrays(), **noise_arrays(self)}

    def _onnx_outputs(self, module, x, constants):
        return (module(x)[0],)

    def _onnx_output_shapes(self):
        # A 1-D y exports as one column, as MLPRegressor does.
        return [("real", self._target_width)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        return tags
