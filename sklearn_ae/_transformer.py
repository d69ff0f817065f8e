"""AutoencoderTransformer: non-linear dimensionality reduction."""

# License: BSD 3 clause

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin

from sklearn_ae._base import _BaseAutoencoder, _fit_context, _LatentMixin


class AutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _LatentMixin, _BaseAutoencoder
):
    """Non-linear dimensionality reduction with an autoencoder.

    A drop-in alternative to :class:`~sklearn.decomposition.PCA`: ``transform``
    returns an ``n_components``-dimensional code, ``inverse_transform`` maps
    codes back to the input space. With the default ``init="pca"`` the network
    starts from the PCA solution (a linear path initialised from PCA plus a
    non-linear residual whose last layer starts at zero) and training moves it
    from there, so on the training data it does at least as well as PCA.

    Parameters
    ----------
    n_components : int, default=2
        Size of the code (the latent space).
    hidden_layer_sizes : int or tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers; the decoder mirrors them.
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
        Reconstruction loss. "bce" needs data in [0, 1].
    init : {"pca", "random"}, default="pca"
        "pca" starts from the PCA solution (computed on up to 10,000 rows),
        "random" from PyTorch's default initialisation.
    solver : {"adam", "adamw", "sgd"}, default="adam"
        Optimizer ("sgd" uses Nesterov momentum 0.9).
    learning_rate_init : float, default=1e-3
        Initial learning rate.
    learning_rate : {"adaptive", "constant", "cosine"}, default="adaptive"
        Schedule: "adaptive" divides the rate by 5 when the monitored loss has
        not improved by ``tol`` for ``n_iter_no_change // 3`` epochs;
        "cosine" anneals it to zero over ``max_iter`` epochs.
    batch_size : int or "auto", default="auto"
        Rows per training step. "auto" is ``clip(n_samples // 32, 16, 256)``.
    max_iter : int, default=200
        Maximum number of epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when their loss
        has not improved by ``tol`` for ``n_iter_no_change`` epochs. Without
        it the training loss is monitored the same way. Either way the weights
        of the best epoch are restored.
    validation_fraction : float, default=0.1
        Share of rows held out when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Epochs without improvement before training stops.
    tol : float, default=1e-4
        Smallest decrease of the monitored loss that counts as improvement.
    device : str, default="cpu"
        "cpu", "cuda", "cuda:N", "mps", or "auto" (CUDA when available).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. The caller's global numpy and torch RNG states are untouched.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar with the losses of each epoch.
    accelerate : bool, default=False
        Train through skorch's Hugging Face Accelerate integration (needs the
        ``accelerate`` package): under ``accelerate launch`` each process
        trains on its shard of the rows with DistributedDataParallel, e.g. on
        several GPUs. ``partial_fit`` does not use it.
    network : {"dense", "conv", "recurrent"}, default="dense"
        "dense" for tabular rows; "conv" views each row as an image of
        ``input_shape`` and uses a convolutional encoder and decoder (the
        dense-only options ``hidden_layer_sizes`` and ``init`` are ignored);
        "recurrent" views each row as a sequence of ``input_shape=(window,
        n_channels)``: a stack of LSTM or GRU layers (``cell``) of widths
        ``hidden_layer_sizes`` reads it, its last hidden state gives the
        code, and a mirrored stack unrolls the code over the ``window`` steps
        (``init`` is ignored). :func:`sliding_windows` builds such rows.
    input_shape : tuple of int or None, default=None
        (C, H, W) of one image, for ``network="conv"``: flat rows are read in
        C, H, W order, so they fit in a ``Pipeline``. With ``None``, X may
        instead be passed as images shaped (n_samples, H, W) (one channel) or
        (n_samples, H, W, C) (channels last, as numpy images usually are);
        they are flattened to C, H, W rows and outputs are flat rows.
        For ``network="recurrent"``, the (window, n_channels) of one sequence:
        flat rows hold the steps in time order, the channels of a step side
        by side.
    conv_channels : tuple of int, default=(32, 64)
        Channels of the convolutional blocks (each 3x3 conv + activation +
        2x2 max-pooling), for ``network="conv"``. H and W must be divisible by
        ``2 ** len(conv_channels)``.
    upsampling : {"transpose", "nearest", "bilinear"}, default="transpose"
        How the conv decoder doubles the resolution: a learnable
        ``ConvTranspose2d``, or ``Upsample`` followed by a 3x3 ``Conv2d``.
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent layer type, for ``network="recurrent"``.
    sparsity : {"l1", "kl"} or None, default=None
        Sparsity penalty on the code, added to the reconstruction loss.
        "l1": ``sparsity_weight`` times the mean over rows of the sum of
        ``|z|`` over code units. "kl": the code goes through a sigmoid (so
        :meth:`transform` returns values in [0, 1]) and the penalty is
        ``sparsity_weight`` times the sum over code units of
        ``KL(sparsity_target || rho_j)``, ``rho_j`` being unit ``j``'s mean
        activation over a batch. The scale is that of Keras' activity
        regularisers: the reconstruction loss is a mean per element. The
        penalty applies to the training inputs, so with a
        :class:`DenoisingAutoencoder` the target holds for corrupted rows
        (clean rows can give denser codes).
    sparsity_weight : float or "auto", default="auto"
        Weight of the sparsity penalty. "auto" is 1.0 for "kl" (enough to
        bring each unit's mean activation within about 0.005 of the target
        on digits) and 0.01 for "l1" (Keras' usual activity weight; 1.0
        shrinks codes until reconstruction fails).
    sparsity_target : float, default=0.05
        Target mean activation of each code unit with ``sparsity="kl"``, in
        (0, 1).

    Attributes
    ----------
    encoder_ : torch.nn.Module
        Maps a float32 tensor of shape (n, n_features_in_) to codes.
    decoder_ : torch.nn.Module
        Maps codes of shape (n, n_components) back to rows.
    loss_curve_ : list of float
        Training loss of each epoch.
    validation_scores_ : list of float or None
        Minus the validation loss of each epoch (higher is better), when
        ``early_stopping=True``; else None.
    best_loss_ : float
        Lowest monitored loss (validation loss with early stopping, else
        training loss); the weights of that epoch are kept.
    n_iter_ : int
        Number of epochs run.
    input_shape_ : tuple of int
        (C, H, W) the rows are viewed as, with ``network="conv"``, or
        (window, n_channels) with ``network="recurrent"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

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

    @_fit_context(prefer_skip_nested_validation=True)
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
