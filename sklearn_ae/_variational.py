"""VariationalAutoencoder: a generative autoencoder with a Gaussian latent space."""

# License: BSD 3 clause

import math
import warnings
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from sklearn_ae._base import Recipe
from sklearn_ae._docs import fill_doc
from sklearn_ae._losses import (
    CalibratedGaussianNLL,
    GaussianKLPenalty,
    elementwise_loss,
    gaussian_kl,
)
from sklearn_ae._networks import GaussianEncoder, VariationalAutoencoderModule
from sklearn_ae._sklearn_compat import Interval, StrOptions
from sklearn_ae._transformer import AutoencoderTransformer
from sklearn_ae._utils import assign_params, fit_method, sample_rows

# The expectation over the posterior in score_samples uses this many fixed
# standard-normal draws (half of them the negatives of the others): the same
# draws for every row, so a row's score does not depend on its batch.
_SCORE_DRAWS = 16

# The decoder's variance never falls below this share of the data's mean
# variance (a perfect fit would otherwise send log(variance) to -inf).
_VARIANCE_FLOOR = 1e-6


@fill_doc
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

    Read more in :ref:`variational_autoencoder`.

    Parameters
    ----------
    n_components : int, default=2
        Size of the latent space.
    beta : float, default=1.0
        Weight of the KL term during training (1 is the ELBO; larger values
        give smoother, more disentangled latent spaces and blurrier rows).
    loss : {"mse", "bce"}, default="mse"
        Decoder likelihood: "mse" Gaussian, "bce" Bernoulli (data in [0, 1]).
    {shared parameters}

    Attributes
    ----------
    noise_variance_ : float or None
        Variance of the Gaussian decoder: the mean squared error of the
        training rows (up to 10,000 of them), expected over their
        posteriors; None with ``loss="bce"``. The encoder's
        ``posterior(x)`` method returns the posterior mean and log-variance;
        the training loss (``loss_curve_``) is minus the ELBO (with
        ``beta``) divided by ``n_features_in_``, so it can be negative.
    {shared attributes}

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
        **{
            name: rule
            for name, rule in AutoencoderTransformer._parameter_constraints.items()
            if not name.startswith("sparsity")
        },
        "beta": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions({"mse", "bce"})],
    }

    _fitted_attributes = (
        *AutoencoderTransformer._fitted_attributes,
        "noise_variance_",
        "_variance_floor",
    )

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
        callbacks=None,
        network="dense",
        input_shape=None,
    ):
        assign_params(self, locals())

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
        recon, kl, n_features = self._elbo_terms(X).T
        if self.loss == "bce":
            loglik = -recon
        else:
            var = self.noise_variance_
            loglik = -0.5 * n_features * math.log(2 * math.pi * var) - recon / (2 * var)
        return loglik - kl

    @fit_method
    def fit(self, X, y=None):
        """Fit the variational autoencoder to X.

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
        # The transformer's fit without its all-or-nothing wrapper: this one
        # already wraps the whole fit, noise variance included.
        super().fit.__wrapped__(self, X)
        self._set_noise_variance(X)
        return self

    @fit_method
    def partial_fit(self, X, y=None):
        """Train one epoch on a chunk of rows (see
        :meth:`AutoencoderTransformer.partial_fit`).

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
        super().partial_fit.__wrapped__(self, X)
        self._set_noise_variance(X)
        return self

    # -------------------------------------------------------------- internals
    def _fitted_facts(self, X):
        if self.loss != "mse":
            return {"_variance_floor": None}
        scale = 1.0
        if X.size:
            # NaN marks a missing entry: the variance of the others.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                scale = np.nanmean(np.nanvar(sample_rows(X, 0), axis=0))
            scale = float(scale) if np.isfinite(scale) else 1.0
        floor = max(_VARIANCE_FLOOR * scale, float(np.finfo(np.float32).tiny))
        return {"_variance_floor": floor}

    def _recipe(self):
        # The engine's loss is per element: the ELBO divided by n_features.
        recipe = Recipe(
            widths=(self.n_components,),
            loss=self.loss,
            penalty=GaussianKLPenalty(self.beta / self.n_features_in_),
            encoder_outputs=2,
            finish=_gaussian_posterior,
        )
        if self.loss == "mse":
            recipe = replace(recipe, loss=CalibratedGaussianNLL(self._variance_floor))
        return recipe

    def _set_noise_variance(self, X):
        self.noise_variance_ = None
        if self.loss == "mse":
            # Up to 10,000 rows: 16 decoder passes over a huge X would cost
            # more than an epoch.
            X = self._validate_X(X, reset=False)
            recon, _, n_observed = self._elbo_terms(sample_rows(X, 0)).sum(axis=0)
            tiny = float(np.finfo(np.float32).tiny)
            self.noise_variance_ = max(float(recon) / max(n_observed, 1), tiny)

    def _elbo_terms(self, X):
        """Per row: the expected reconstruction term, the KL and the number
        of observed entries, shape (n, 3).

        The reconstruction term is the expected sum of squared errors
        (``loss="mse"``) or of binary cross-entropies (``loss="bce"``) over
        the row's observed entries (NaN marks a missing one).
        """
        half = np.random.RandomState(0).standard_normal(
            (_SCORE_DRAWS // 2, self.n_components)
        )
        draws = np.concatenate([half, -half])
        name = "bce" if self.loss == "bce" else "mse"

        def terms(module, x):
            mean, log_var = module.encoder.posterior(x)
            std = torch.exp(0.5 * log_var)
            recon = torch.zeros(len(x), dtype=x.dtype, device=x.device)
            observed = ~torch.isnan(x)
            target = x.nan_to_num(nan=0.0)
            for eps in torch.as_tensor(draws, dtype=x.dtype, device=x.device):
                pred = module.decoder(mean + std * eps)
                loss = elementwise_loss(name, pred, target) * observed
                recon += loss.flatten(1).sum(dim=1)
            recon /= len(draws)
            n_observed = observed.flatten(1).sum(dim=1).to(recon.dtype)
            return torch.stack([recon, gaussian_kl(mean, log_var), n_observed], dim=1)

        return self._map_batches(X, terms, 3, np.float64)


def _gaussian_posterior(member, k):
    return VariationalAutoencoderModule(
        GaussianEncoder(member.encoder, k), member.decoder
    )
