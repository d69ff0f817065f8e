"""AutoencoderRegressor: paired maps with MLPRegressor's contract."""

import contextlib
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

import sklearn_ae
from sklearn_ae import AutoencoderRegressor, Conv
from sklearn_ae._noise import Corruption


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def pairs(digits):
    X = digits[0][:500]
    return X[:, :32], X[:, 32:40]  # top half -> the 8 pixels below it


def test_learns_a_paired_map_with_another_output_width(pairs):
    X, Y = pairs
    with _quiet():
        reg = AutoencoderRegressor(8, max_iter=30, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (500, 8)
    assert reg.score(X, Y) > 0.3  # R^2: better than predicting the mean
    assert not hasattr(reg, "transform") and not hasattr(reg, "score_samples")


def test_one_dimensional_target_gives_one_dimensional_predictions(pairs):
    X, Y = pairs
    with _quiet():
        reg = AutoencoderRegressor(2, max_iter=3, random_state=0).fit(X, Y[:, 0])
    assert reg.predict(X).shape == (500,)
    assert np.isfinite(reg.score(X, Y[:, 0]))


def test_fit_requires_y(pairs):
    with pytest.raises(ValueError, match="requires y to be passed"):
        AutoencoderRegressor().fit(pairs[0], None)


def test_noise_corrupts_inputs_only_when_asked(pairs):
    X, Y = pairs
    assert AutoencoderRegressor()._recipe().corrupt is None
    recipe = AutoencoderRegressor(noise="masking", noise_level=0.3)._recipe()
    assert isinstance(recipe.corrupt, Corruption) and recipe.corrupt.level == 0.3


def test_grid_search_needs_no_scoring(pairs):
    X, Y = pairs
    with _quiet():
        search = GridSearchCV(
            AutoencoderRegressor(max_iter=5, random_state=0),
            {"n_components": [1, 8]},
            cv=2,
        ).fit(X, Y)
    assert search.best_params_ == {"n_components": 8}


def test_saves_loads_and_predicts_the_same(pairs, tmp_path):
    X, Y = pairs
    with _quiet():
        reg = AutoencoderRegressor(4, max_iter=3, random_state=0).fit(X, Y[:, 0])
    reg.save(tmp_path / "reg.skae")
    loaded = sklearn_ae.load(tmp_path / "reg.skae")
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert loaded.predict(X).ndim == 1


def test_conv_colorization_pairs_gray_with_colour():
    rng = np.random.RandomState(0)
    colour = rng.uniform(size=(40, 8, 8, 3))
    gray = colour.mean(axis=3)
    with _quiet():
        reg = AutoencoderRegressor(
            8, network=Conv(channels=(4, 8)), max_iter=3, random_state=0
        ).fit(gray, colour)
    assert reg.predict(gray).shape == (40, 3 * 8 * 8)
    assert np.isfinite(reg.score(gray, colour))


def test_recurrent_target_needs_whole_steps():
    window = 12
    t = np.arange(200 + window)
    series = np.stack([np.sin(t / 5), np.cos(t / 7)], axis=1)
    windows = np.stack([series[i : i + window].ravel() for i in range(200)])
    reg = AutoencoderRegressor(network="recurrent", input_shape=(window, 2), max_iter=1)
    with _quiet():
        reg.fit(windows, windows[:, ::2])  # one channel out
    assert reg.predict(windows[:3]).shape == (3, window)
    with pytest.raises(ValueError, match=f"multiple of {window} columns"):
        reg.fit(windows, windows[:, :5])


def test_sample_weight_is_refused_with_what_to_do_instead(pairs):
    X, Y = pairs
    weights = np.ones(len(X))
    with pytest.raises(TypeError, match=r"does not support sample_weight.*repeat"):
        AutoencoderRegressor(max_iter=2).fit(X, Y, sample_weight=weights)
    # Also when a search passes it on to each fit.
    search = GridSearchCV(
        AutoencoderRegressor(max_iter=2), {"n_components": [2]}, error_score="raise"
    )
    with pytest.raises(TypeError, match="does not support sample_weight"):
        search.fit(X, Y, sample_weight=weights)
    with pytest.raises(TypeError, match="unexpected keyword argument 'weights'"):
        AutoencoderRegressor(max_iter=2).fit(X, Y, weights=weights)
    with _quiet():  # None means no weights
        AutoencoderRegressor(2, max_iter=2).fit(X, Y, sample_weight=None)
