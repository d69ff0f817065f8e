"""DenoisingAutoencoder, corruption functions and convolutional networks."""

import contextlib
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

import sklearn_ae
from sklearn_ae import AutoencoderTransformer, Conv, DenoisingAutoencoder
from sklearn_ae._noise import Corruption


@pytest.fixture(scope="module")
def pixels(digits):
    return digits[0][:500]


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ----------------------------------------------------------------- corruption
def test_gaussian_noise_has_the_requested_scale():
    x = torch.zeros(200, 100)
    torch.manual_seed(0)
    noisy = Corruption("gaussian", 0.3)(x)
    assert noisy.std().item() == pytest.approx(0.3, rel=0.02)
    assert noisy.mean().item() == pytest.approx(0.0, abs=0.01)


def test_masking_zeroes_the_requested_share():
    x = torch.ones(200, 100)
    torch.manual_seed(0)
    masked = Corruption("masking", 0.25)(x)
    assert (masked == 0).float().mean().item() == pytest.approx(0.25, abs=0.01)
    assert set(masked.unique().tolist()) == {0.0, 1.0}


def test_salt_pepper_uses_column_extremes():
    x = torch.full((400, 50), 0.5)
    low, high = torch.full((50,), -1.0), torch.full((50,), 2.0)
    torch.manual_seed(0)
    out = Corruption("salt_pepper", 0.2, low, high)(x)
    changed = out != 0.5
    assert changed.float().mean().item() == pytest.approx(0.2, abs=0.01)
    assert set(out[changed].unique().tolist()) == {-1.0, 2.0}
    assert (out == 2.0).float().sum() / changed.float().sum() == pytest.approx(
        0.5, abs=0.03
    )


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt_pepper"])
def test_corruption_is_reproducible_with_a_seed(kind):
    x = torch.rand(20, 10)
    corrupt = Corruption(kind, 0.3, torch.zeros(10), torch.ones(10))
    torch.manual_seed(3)
    a = corrupt(x)
    torch.manual_seed(3)
    b = corrupt(x)
    torch.manual_seed(4)
    c = corrupt(x)
    assert torch.equal(a, b) and not torch.equal(a, c)


# ------------------------------------------------------------------- denoiser
@pytest.mark.parametrize("noise", ["gaussian", "masking", "salt_pepper"])
def test_denoiser_restores_better_than_the_noisy_input(pixels, noise):
    rng = np.random.RandomState(0)
    noisy = pixels + rng.normal(scale=0.3, size=pixels.shape)
    with _quiet():
        dae = DenoisingAutoencoder(
            16, noise=noise, noise_level=0.3, max_iter=60, random_state=0
        ).fit(noisy[:400])
    restored = dae.predict(noisy[400:])
    assert np.mean((restored - pixels[400:]) ** 2) < 0.7 * np.mean(
        (noisy[400:] - pixels[400:]) ** 2
    )


def test_denoiser_same_seed_same_model(pixels):
    kw = dict(n_components=4, max_iter=3, tol=0, random_state=7)
    with _quiet():
        a = DenoisingAutoencoder(**kw).fit(pixels).predict(pixels)
        b = DenoisingAutoencoder(**kw).fit(pixels).predict(pixels)
        c = (
            DenoisingAutoencoder(**{**kw, "random_state": 8})
            .fit(pixels)
            .predict(pixels)
        )
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_early_stopping_validates_the_denoising_task(pixels):
    # Validated on clean inputs, a denoiser's held-out error rises as it
    # learns to denoise, and early stopping would keep its first epoch. On
    # corrupted validation rows (the same noise every epoch) it keeps
    # improving, and the curve is reproducible.
    def fit():
        return DenoisingAutoencoder(
            16,
            hidden_layer_sizes=(64,),
            early_stopping=True,
            n_iter_no_change=5,
            max_iter=25,
            random_state=0,
        ).fit(pixels)

    with _quiet():
        dae, again = fit(), fit()
    validation = [-score for score in dae.validation_scores_]
    assert int(np.argmin(validation)) >= 3
    assert min(validation) < 0.8 * validation[0]
    assert dae.validation_scores_ == again.validation_scores_


def test_fit_ignores_y_as_pca_does(pixels):
    # A Pipeline passes y to every step: the denoiser must not learn it.
    labels = np.arange(len(pixels)) % 10
    with _quiet():
        plain = DenoisingAutoencoder(8, max_iter=3, random_state=0).fit(pixels)
        with_y = DenoisingAutoencoder(8, max_iter=3, random_state=0).fit(pixels, labels)
    np.testing.assert_array_equal(with_y.predict(pixels), plain.predict(pixels))
    assert with_y.predict(pixels).shape == pixels.shape


def test_noise_level_is_a_share_for_masking(pixels):
    with pytest.raises(ValueError, match=r"noise_level must be in \[0, 1\]"):
        DenoisingAutoencoder(noise="masking", noise_level=2.0).fit(pixels)


def test_denoiser_saves_and_loads(pixels, tmp_path):
    with _quiet():
        dae = DenoisingAutoencoder(4, max_iter=3, random_state=0).fit(pixels)
    dae.save(tmp_path / "dae.skae")
    loaded = sklearn_ae.load(tmp_path / "dae.skae")
    np.testing.assert_array_equal(loaded.predict(pixels), dae.predict(pixels))


# ---------------------------------------------------------------------- conv
@pytest.mark.parametrize("upsampling", ["transpose", "nearest", "bilinear"])
def test_conv_trains_on_tiny_images(pixels, upsampling):
    with _quiet():
        ae = AutoencoderTransformer(
            8,
            network=Conv(channels=(8, 16), upsampling=upsampling),
            input_shape=(1, 8, 8),
            max_iter=15,
            tol=0,
            random_state=0,
        ).fit(pixels)
    assert ae.loss_curve_[-1] < 0.6 * ae.loss_curve_[0]
    assert ae.transform(pixels).shape == (500, 8)
    assert ae.inverse_transform(ae.transform(pixels)).shape == (500, 64)


def test_conv_accepts_image_arrays(pixels):
    images = pixels.reshape(-1, 8, 8)
    kw = dict(n_components=3, network=Conv(channels=(4,)), max_iter=2, random_state=0)
    with _quiet():
        gray = AutoencoderTransformer(**kw).fit(images)
        last = AutoencoderTransformer(**kw).fit(images[..., None])
        flat = AutoencoderTransformer(input_shape=(1, 8, 8), **kw).fit(pixels)
    assert gray.input_shape_ == last.input_shape_ == flat.input_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(gray.transform(images), flat.transform(pixels))
    rgb = np.random.RandomState(0).uniform(size=(20, 8, 8, 3))
    with _quiet():
        colour = AutoencoderTransformer(**kw).fit(rgb)
    assert colour.input_shape_ == (3, 8, 8)
    with pytest.raises(ValueError, match=r"images of shape \(C, H, W\)=\(1, 8, 8\)"):
        colour.transform(images)


@pytest.mark.parametrize(
    "params, X_shape, match",
    [
        ({"input_shape": (1, 10, 10)}, (20, 64), r"implies 100 features, but X has 64"),
        (
            {"input_shape": (1, 4, 16), "network": Conv(channels=(4, 4, 4))},
            (20, 64),
            r"divisible by 8 to pool evenly through 3 conv blocks, but they are 4 x 16",
        ),
        ({}, (20, 64), r"network='conv' needs input_shape=\(C, H, W\)"),
        ({"input_shape": (8, 8)}, (20, 64), r"must be the \(C, H, W\) of one image"),
        ({}, (20, 6, 6), r"divisible by 4 to pool evenly"),
    ],
)
def test_conv_shape_errors_name_the_numbers(params, X_shape, match):
    X = np.random.RandomState(0).uniform(size=X_shape)
    with pytest.raises(ValueError, match=match):
        AutoencoderTransformer(**{"network": "conv", **params}).fit(X)


def test_conv_pickles(pixels):
    with _quiet():
        ae = AutoencoderTransformer(
            2, network=Conv(channels=(4,)), input_shape=(1, 8, 8), max_iter=2
        ).fit(pixels)
    loaded = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(loaded.transform(pixels), ae.transform(pixels))
