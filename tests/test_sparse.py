"""Sparse codes: sparsity="l1" / "kl", sparsity_weight, sparsity_target."""

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_ae import AutoencoderTransformer, Conv, DenoisingAutoencoder
from sklearn_ae._losses import SparsityPenalty

# Short training runs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def pixels(digits):
    return digits[0][:600]


def test_kl_penalty_formula():
    code = torch.tensor([[0.2, 0.5], [0.0, 0.5]])
    penalty = SparsityPenalty("kl", weight=2.0, target=0.1)
    rho, hat = 0.1, torch.tensor([0.1, 0.5])
    kl = rho * torch.log(rho / hat) + (1 - rho) * torch.log((1 - rho) / (1 - hat))
    torch.testing.assert_close(penalty(code), 2.0 * kl.sum())
    # A unit whose mean activation equals the target costs nothing.
    assert float(SparsityPenalty("kl", 1.0, 0.1)(code[:, :1])) == pytest.approx(0)


def test_l1_penalty_formula():
    code = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    # Mean over rows of the sum over units of |z|: (3 + 3) / 2.
    assert float(SparsityPenalty("l1", weight=0.5)(code)) == pytest.approx(1.5)


def test_kl_reaches_target(pixels):
    ae = AutoencoderTransformer(
        16, sparsity="kl", sparsity_target=0.05, max_iter=40, random_state=0
    ).fit(pixels)
    Z = ae.transform(pixels)
    assert Z.min() >= 0 and Z.max() <= 1
    assert abs(Z.mean() - 0.05) <= 0.03
    # Every unit, not only the average, is near the target.
    assert np.all(np.abs(Z.mean(axis=0) - 0.05) <= 0.03)


def test_kl_other_target(pixels):
    ae = AutoencoderTransformer(
        8, sparsity="kl", sparsity_target=0.2, max_iter=40, random_state=0
    ).fit(pixels)
    assert abs(ae.transform(pixels).mean() - 0.2) <= 0.03


def test_without_sparsity_codes_are_not_sparse(pixels):
    Z = AutoencoderTransformer(16, max_iter=10, random_state=0).fit_transform(pixels)
    assert Z.min() < 0 or Z.max() > 1


def test_l1_shrinks_code(pixels):
    plain = AutoencoderTransformer(16, max_iter=30, random_state=0).fit(pixels)
    sparse = AutoencoderTransformer(16, sparsity="l1", max_iter=30, random_state=0).fit(
        pixels
    )
    dense_code = np.abs(plain.transform(pixels)).mean()
    sparse_code = np.abs(sparse.transform(pixels)).mean()
    assert sparse_code < 0.25 * dense_code
    # Still an autoencoder: it reconstructs far better than the mean row.
    assert -sparse.score(pixels) < 0.5 * pixels.var(axis=0).sum() / pixels.shape[1]


def test_weight_auto_and_explicit():
    def penalty(**params):
        return AutoencoderTransformer(**params)._recipe().penalty

    assert penalty(sparsity="kl").weight == 1.0
    assert penalty(sparsity="l1").weight == 0.01
    explicit = penalty(sparsity="kl", sparsity_weight=3.0, sparsity_target=0.1)
    assert (explicit.weight, explicit.target) == (3.0, 0.1)
    assert penalty() is None


def test_stronger_l1_weight_shrinks_more(pixels):
    codes = [
        np.abs(
            AutoencoderTransformer(
                8, sparsity="l1", sparsity_weight=w, max_iter=15, random_state=0
            ).fit_transform(pixels)
        ).mean()
        for w in (0.001, 0.1)
    ]
    assert codes[1] < codes[0]


@pytest.mark.parametrize(
    "params",
    [
        {"sparsity": "l2"},
        {"sparsity": "kl", "sparsity_target": 0.0},
        {"sparsity": "kl", "sparsity_target": 1.0},
        {"sparsity": "l1", "sparsity_weight": -1.0},
        {"sparsity": "l1", "sparsity_weight": "strong"},
    ],
)
def test_bad_sparsity_parameters(pixels, params):
    with pytest.raises(InvalidParameterError, match="sparsity"):
        AutoencoderTransformer(max_iter=1, **params).fit(pixels)


def test_sparse_denoiser(pixels):
    dae = DenoisingAutoencoder(
        16,
        noise_level=0.2,
        sparsity="kl",
        sparsity_target=0.05,
        max_iter=40,
        random_state=0,
    ).fit(pixels)
    # The target holds for inputs like the training inputs: corrupted ones.
    noisy = pixels + np.random.RandomState(1).normal(scale=0.2, size=pixels.shape)
    Z = dae.transform(noisy)
    assert Z.min() >= 0 and Z.max() <= 1
    assert abs(Z.mean() - 0.05) <= 0.03
    assert dae.predict(noisy[:3]).shape == (3, 64)


def test_sparse_conv(pixels):
    ae = AutoencoderTransformer(
        8,
        network=Conv(channels=(4,)),
        input_shape=(1, 8, 8),
        sparsity="kl",
        max_iter=2,
        random_state=0,
    ).fit(pixels)
    Z = ae.transform(pixels)
    assert Z.shape == (len(pixels), 8)
    assert Z.min() >= 0 and Z.max() <= 1
