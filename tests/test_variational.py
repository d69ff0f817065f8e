"""VariationalAutoencoder: posterior mean, sampling, ELBO, composition."""

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_ae import Conv, VariationalAutoencoder, load

# Short training runs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def fitted(digits):
    X, _ = digits
    return VariationalAutoencoder(
        4, learning_rate_init=3e-3, max_iter=40, random_state=0
    ).fit(X)


def test_transform_is_posterior_mean(digits, fitted):
    X, _ = digits
    Z = fitted.transform(X[:20])
    with torch.no_grad():
        mean, log_var = fitted.encoder_.posterior(torch.as_tensor(X[:20]).float())
    np.testing.assert_allclose(Z, mean.numpy(), rtol=1e-5, atol=1e-6)
    assert log_var.shape == (20, 4)
    # The KL term pulls the codes towards the N(0, I) prior.
    all_codes = fitted.transform(X)
    assert np.all(np.abs(all_codes.mean(axis=0)) < 0.5)
    assert np.all(all_codes.std(axis=0) < 1.5)


def test_samples_are_recognisable_digits(digits, fitted):
    X, y = digits
    # Logistic regression: about 0.89 on held-out real digits, and not
    # fooled by noise (about 0.59 on uniform noise), unlike an MLP (0.91).
    judge = LogisticRegression(max_iter=3000).fit(X, y)

    def confidence(rows):
        return judge.predict_proba(np.clip(rows, 0, 1)).max(axis=1).mean()

    samples = fitted.sample(500, random_state=0)
    assert samples.shape == (500, 64)
    assert confidence(samples) > 0.7
    # The judge tells a worse generator apart: one Gaussian fitted to the
    # digits (a linear model) gives samples it finds far less recognisable.
    gaussian = GaussianMixture(1, covariance_type="full", random_state=0).fit(X)
    assert confidence(gaussian.sample(500)[0]) < 0.65


def test_sample_is_reproducible_and_leaves_global_rng(fitted):
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    a = fitted.sample(5, random_state=3)
    b = fitted.sample(5, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, fitted.sample(5, random_state=4))
    assert not np.allclose(fitted.sample(5), fitted.sample(5))
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


@pytest.mark.parametrize("n_samples", [0, -1, 2.5, True])
def test_sample_bad_n_samples(fitted, n_samples):
    with pytest.raises(ValueError, match="n_samples=.* must be a positive integer"):
        fitted.sample(n_samples)


def test_score_samples_ranks_digits_above_noise(digits, fitted):
    X, _ = digits
    noise = np.random.RandomState(0).uniform(size=(50, 64))
    assert fitted.score_samples(noise).max() < np.quantile(
        fitted.score_samples(X), 0.01
    )
    assert fitted.score(X) == pytest.approx(fitted.score_samples(X).mean())


def test_score_samples_is_a_bound_close_to_ppca():
    """On linear-Gaussian data the log-likelihood is probabilistic PCA's: the
    ELBO on held-out rows stays below it, and not far below."""
    rng = np.random.RandomState(0)
    W = rng.normal(size=(2, 6))
    X = rng.normal(size=(3000, 2)) @ W + 0.3 * rng.normal(size=(3000, 6))
    train, test = X[:2000], X[2000:]
    ppca = PCA(n_components=2).fit(train).score_samples(test).mean()
    vae = VariationalAutoencoder(
        2, hidden_layer_sizes=(32,), max_iter=60, random_state=0
    ).fit(train)
    elbo = vae.score_samples(test).mean()
    assert ppca - 0.5 < elbo < ppca + 0.05
    # The fitted decoder noise matches the true noise variance (0.09).
    assert vae.noise_variance_ == pytest.approx(0.09, rel=0.2)


def test_score_samples_subset_invariant(digits, fitted):
    X, _ = digits
    whole = fitted.score_samples(X[:30])
    np.testing.assert_allclose(fitted.score_samples(X[10:30]), whole[10:], rtol=1e-5)


def test_beta_trades_kl_for_reconstruction(digits):
    X, _ = digits
    X = X[:600]
    kl = {}
    for beta in (0.25, 4.0):
        vae = VariationalAutoencoder(4, beta=beta, max_iter=15, random_state=0).fit(X)
        kl[beta] = vae._elbo_terms(X)[:, 1].mean()
    assert kl[4.0] < kl[0.25]


def test_bernoulli_decoder(digits):
    X, _ = digits
    vae = VariationalAutoencoder(4, loss="bce", max_iter=5, random_state=0).fit(X)
    assert vae.noise_variance_ is None
    samples = vae.sample(10, random_state=0)
    assert samples.min() >= 0 and samples.max() <= 1
    # A Bernoulli ELBO is minus a sum of cross-entropies: negative.
    assert np.all(vae.score_samples(X[:10]) < 0)


def test_loss_must_be_a_likelihood(digits):
    X, _ = digits
    with pytest.raises(InvalidParameterError, match="loss"):
        VariationalAutoencoder(loss="l1").fit(X)


def test_sparsity_is_not_a_parameter():
    # The KL term already regularises the code: no sparsity option to refuse.
    params = VariationalAutoencoder().get_params()
    assert not [name for name in params if name.startswith("sparsity")]


def test_save_load_round_trip(digits, fitted, tmp_path):
    X, _ = digits
    fitted.save(tmp_path / "vae.skae")
    loaded = load(tmp_path / "vae.skae")
    assert isinstance(loaded, VariationalAutoencoder)
    np.testing.assert_allclose(
        loaded.score_samples(X[:10]), fitted.score_samples(X[:10]), rtol=1e-5
    )
    np.testing.assert_allclose(
        loaded.sample(3, random_state=0), fitted.sample(3, random_state=0), rtol=1e-5
    )


def test_partial_fit_updates_noise_variance(digits):
    X, _ = digits
    vae = VariationalAutoencoder(4, random_state=0)
    vae.partial_fit(X[:500])
    first = vae.noise_variance_
    for _ in range(5):
        vae.partial_fit(X[500:1000])
    assert vae.n_iter_ == 6
    assert vae.noise_variance_ < first


@pytest.mark.parametrize(
    "params",
    [
        {"network": Conv(channels=(4,)), "input_shape": (1, 8, 8)},
        {"network": "recurrent", "input_shape": (8, 8), "hidden_layer_sizes": (8,)},
    ],
)
def test_variational_composes_with_networks(digits, params):
    X, _ = digits
    X = X[:300]
    vae = VariationalAutoencoder(3, max_iter=2, random_state=0, **params).fit(X)
    assert vae.transform(X).shape == (300, 3)
    assert vae.sample(4, random_state=0).shape == (4, 64)
    assert np.isfinite(vae.score_samples(X[:5])).all()
