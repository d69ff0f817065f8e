"""VariationalAutoencoder: a generative autoencoder with a Gaussian latent space."""

# License: BSD 3 clause

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._base import Interval, StrOptions
from sklearn_ae._losses import (
    CalibratedGaussianNLL,
    GaussianKLPenalty,
    elementwise_loss,
    gaussian_kl,
)
from sklearn_ae._networks import GaussianEncoder, VariationalAutoencoderModule
from sklearn_ae._transformer import AutoencoderTransformer

# The expectation over the posterior in score_samples uses this many fixed
# standard-normal draws (half of them the negatives of the others): the same
# draws for every row, so a row's score does not depend on its batch.
_SCORE_DRAWS = 16

# The decoder's variance never falls below this share of the data's mean
# variance (a perfect fit would otherwise send log(variance) to -inf).
_VARIANCE_FLOOR = 1e-6


class VariationalAutoencoder(AutoencoderTransformer):
    """Variational autoencoder: a latent space to sample new rows from.

    The encoder outputs a Gaussian posterior ``N(mean, diag(var))`` over an
    ``n_components``-dimensional code, the decoder maps a code to a row, and
    training maximises the evidence lower bound (ELBO): the expected
    log-likelihood of the rows minus ``beta`` times the KL divergence of the
    posterior to the prior ``N(0, I)``. :meth:`transform` returns the
    posterior mean, :meth:`sample` decodes draws from the prior and
    :meth:`score_samples` returns each row's ELBO.

    With ``loss="mse"`` the decoder is Gaussian with one variance shared by
    all features, set to its maximum-likelihood value (the mean squared
    error) during training and stored as ``noise_variance_``: the balance
    between reconstruction and prior then does not depend on the scale of
    the data. With ``loss="bce"`` (data in [0, 1]) it is Bernoulli.

    Parameters
    ----------
    n_components : int, default=2
        Size of the latent space.
    beta : float, default=1.0
        Weight of the KL term during training (1 is the ELBO; larger values
        give smoother, more disentangled latent spaces and blurrier rows).
    loss : {"mse", "bce"}, default="mse"
        Decoder likelihood: "mse" Gaussian, "bce" Bernoulli (data in [0, 1]).
    hidden_layer_sizes, activation, output_activation, dropout, alpha, init, \
solver, learning_rate_init, learning_rate, batch_size, max_iter, \
early_stopping, validation_fraction, n_iter_no_change, tol, device, \
random_state, verbose, accelerate, network, input_shape, conv_channels, \
upsampling, cell
        As in :class:`AutoencoderTransformer`. With ``init="pca"`` the
        posterior mean starts from PCA and its log-variance from zero.
    sparsity, sparsity_weight, sparsity_target
        Not used: the KL term already regularises the code. Setting
        ``sparsity`` raises an error.

    Attributes
    ----------
    encoder_ : torch.nn.Module
        Maps rows to the posterior mean; its ``posterior(x)`` method returns
        the mean and the log-variance.
    decoder_ : torch.nn.Module
        Maps codes to rows (the decoder's mean, or probabilities with
        ``loss="bce"``).
    noise_variance_ : float or None
        Variance of the Gaussian decoder: the mean squared error of the
        training rows (up to 10,000 of them), expected over their
        posteriors; None with ``loss="bce"``.
    loss_curve_ : list of float
        Training loss of each epoch: minus the ELBO (with ``beta``) divided
        by ``n_features_in_``, so it can be negative.
    validation_scores_, best_loss_, n_iter_, input_shape_, n_features_in_, \
feature_names_in_
        As in :class:`AutoencoderTransformer`.

    See Also
    --------
    AutoencoderTransformer : Deterministic codes, no sampling.
    sklearn.decomposition.PCA : Its ``score_samples`` is the log-likelihood
        of probabilistic PCA, the linear Gaussian analogue.

    References
    ----------
    D. P. Kingma and M. Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    O. Rybkin, K. Daniilidis and S. Levine, "Simple and Effective VAE Training
    with Calibrated Decoders", ICML 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import VariationalAutoencoder
    >>> X, _ = load_digits(return_X_y=True)
    >>> vae = VariationalAutoencoder(n_components=4, max_iter=5, random_state=0)
    >>> vae.fit_transform(X / 16).shape
    (1797, 4)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    >>> vae.score_samples(X[:2] / 16).shape
    (2,)
    """

    _parameter_constraints: dict = {
        **AutoencoderTransformer._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions({"mse", "bce"})],
    }

    def __init__(
        self,
        n_components=2,
        *,
        beta=1.0,
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
        self.beta = beta

    # fit, partial_fit, transform and inverse_transform are the transformer's;
    # the variational parts plug in through the hooks below.

    def sample(self, n_samples=1, random_state=None):
        """Draw new rows: decode codes drawn from the prior ``N(0, I)``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; the same seed gives the same rows. None draws
            from fresh OS entropy. The caller's global numpy and torch RNG
            states are untouched either way.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_in_)
            The decoder's mean for each code (probabilities with
            ``loss="bce"``), without the Gaussian observation noise.
        """
        check_is_fitted(self)
        if (
            not isinstance(n_samples, Integral)
            or isinstance(n_samples, bool)
            or n_samples < 1
        ):
            raise ValueError(f"n_samples={n_samples!r} must be a positive integer.")
        if random_state is None:
            rng = np.random.RandomState(np.random.SeedSequence().generate_state(1))
        else:
            rng = check_random_state(random_state)
        Z = rng.standard_normal((int(n_samples), self.n_components))
        return self._decode(Z)

    def score_samples(self, X):
        """The evidence lower bound (ELBO) of each row: higher is more likely.

        ``E_q[log p(x | z)] - KL(q(z | x) || N(0, I))``, a lower bound on the
        log-likelihood ``log p(x)`` (with ``beta=1`` whatever ``beta`` was
        used for training). The expectation over the posterior ``q`` is
        averaged over 16 fixed standard-normal draws (8 antithetic pairs), the
        same for every row, so scores are deterministic.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            Per-row ELBO in nats (continuous data: a log-density, so it
            depends on the units of X).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        recon, kl = self._elbo_terms(X).T
        n_features = self._target_width
        if self.loss == "bce":
            loglik = -recon
        else:
            var = self.noise_variance_
            loglik = -0.5 * n_features * math.log(2 * math.pi * var) - recon / (2 * var)
        return loglik - kl

    # -------------------------------------------------------------- internals
    def _encoder_outputs(self, k):
        return 2 * k

    def _finish_module(self, module, k):
        return VariationalAutoencoderModule(
            GaussianEncoder(module.encoder, k), module.decoder
        )

    def _engine_params(self, X, Y, device, *, partial):
        params = super()._engine_params(X, Y, device, partial=partial)
        target = X if Y is None else Y
        n_features = target.shape[1]
        # The engine's loss is per element: the ELBO divided by n_features.
        params["penalty"] = GaussianKLPenalty(self.beta / n_features)
        if self.loss == "mse":
            sample, _ = self._init_sample(target, 0)
            scale = float(sample.var(axis=0).mean()) if sample.size else 1.0
            floor = max(_VARIANCE_FLOOR * scale, np.finfo(np.float32).tiny)
            params["loss"] = CalibratedGaussianNLL(floor)
        return params

    def _fit_network(self, X, Y=None, *, partial=False):
        if self.sparsity is not None:
            raise ValueError(
                f"sparsity={self.sparsity!r} does not apply to "
                "VariationalAutoencoder: its code is regularised by the KL "
                "term (beta). Leave sparsity=None."
            )
        super()._fit_network(X, Y, partial=partial)
        self.noise_variance_ = None
        if self.loss == "mse":
            # Up to 10,000 rows: 16 decoder passes over a huge X would cost
            # more than an epoch.
            sample, _ = self._init_sample(X, 0)
            recon, _ = self._elbo_terms(sample).mean(axis=0)
            tiny = float(np.finfo(np.float32).tiny)
            self.noise_variance_ = max(float(recon) / self._target_width, tiny)
        return self

    def _elbo_terms(self, X):
        """Per row: the expected reconstruction term and the KL, shape (n, 2).

        The reconstruction term is the expected sum of squared errors
        (``loss="mse"``) or of binary cross-entropies (``loss="bce"``).
        """
        module = self._net.module_
        device = next(module.parameters()).device
        half = np.random.RandomState(0).standard_normal(
            (_SCORE_DRAWS // 2, self.n_components)
        )
        draws = torch.as_tensor(
            np.concatenate([half, -half]), dtype=torch.float32, device=device
        )
        name = "bce" if self.loss == "bce" else "mse"

        def terms(x):
            mean, log_var = module.encoder.posterior(x)
            std = torch.exp(0.5 * log_var)
            recon = torch.zeros(len(x), device=x.device)
            for eps in draws:
                pred = module.decoder(mean + std * eps)
                recon += elementwise_loss(name, pred, x).flatten(1).sum(dim=1)
            recon /= len(draws)
            return torch.stack([recon, gaussian_kl(mean, log_var)], dim=1)

        return self._map_batches(X, terms, 2, np.float64)
