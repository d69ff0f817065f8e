"""Recurrent networks (network="recurrent") and sliding_windows."""

import pickle

import numpy as np
import pytest
from torch import nn

from sklearn_ae import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    Recurrent,
    load,
    sliding_windows,
)

WINDOW = 16

# Short training runs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def sine_windows():
    """Windows of noisy sines of random phase and frequency (2 channels)."""
    rng = np.random.RandomState(0)
    t = np.arange(2000) * 0.3
    series = np.column_stack([np.sin(t), np.cos(0.5 * t)])
    series += 0.05 * rng.normal(size=series.shape)
    return sliding_windows(series, WINDOW, step=4)


@pytest.fixture(scope="module")
def lstm(sine_windows):
    return _recurrent().fit(sine_windows)


def _recurrent(**params):
    defaults = dict(
        n_components=4,
        network="recurrent",
        input_shape=(WINDOW, 2),
        hidden_layer_sizes=(16,),
        learning_rate_init=1e-2,
        max_iter=15,
        random_state=0,
    )
    return AutoencoderTransformer(**{**defaults, **params})


# ------------------------------------------------------------ sliding_windows
def test_sliding_windows_layout():
    series = np.arange(10.0)
    X = sliding_windows(series, window=4, step=3)
    np.testing.assert_array_equal(X, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    two = np.column_stack([np.arange(5), 10 + np.arange(5)])
    X = sliding_windows(two, window=2)
    assert X.shape == (4, 4)
    # Steps in time order, channels of a step side by side.
    np.testing.assert_array_equal(X[1], [1, 11, 2, 12])
    np.testing.assert_array_equal(X[1].reshape(2, 2), two[1:3])


def test_sliding_windows_copies_and_keeps_float_dtype():
    series = np.arange(6, dtype=np.float32)
    X = sliding_windows(series, window=3)
    assert X.dtype == np.float32 and X.flags.c_contiguous
    X[0, 0] = 99
    assert series[0] == 0
    assert sliding_windows(list(range(6)), window=3).dtype == np.float64


def test_sliding_windows_pandas():
    pd = pytest.importorskip("pandas")
    X = sliding_windows(pd.Series(np.arange(5.0)), window=5)
    np.testing.assert_array_equal(X, [np.arange(5.0)])


@pytest.mark.parametrize(
    "series, window, step, match",
    [
        (np.arange(5.0), 6, 1, r"window=6 is longer than the series \(5 steps\)"),
        (np.arange(5.0), 0, 1, "window=0 must be a positive integer"),
        (np.arange(5.0), 2, 1.5, "step=1.5 must be a positive integer"),
        (np.zeros((4, 3, 2)), 2, 1, r"1-D .* or 2-D .* shape \(4, 3, 2\)"),
    ],
)
def test_sliding_windows_errors(series, window, step, match):
    with pytest.raises(ValueError, match=match):
        sliding_windows(series, window, step)


# ---------------------------------------------------------------- input_shape
@pytest.mark.parametrize(
    "input_shape, match",
    [
        (
            (WINDOW, 3),
            rf"input_shape=\({WINDOW}, 3\) implies {WINDOW * 3} features "
            rf"\({WINDOW} steps x 3 channels\), but X has {WINDOW * 2}",
        ),
        ((WINDOW * 2,), r"must be the \(window, n_channels\) of one sequence"),
        (None, r"network='recurrent' needs input_shape=\(window, n_channels\)"),
    ],
)
def test_wrong_input_shape_errors(sine_windows, input_shape, match):
    with pytest.raises(ValueError, match=match):
        _recurrent(input_shape=input_shape, max_iter=1).fit(sine_windows)


# ------------------------------------------------------------------ training
@pytest.mark.parametrize("cell, module", [("lstm", nn.LSTM), ("gru", nn.GRU)])
def test_cells_learn_sequences(sine_windows, lstm, cell, module):
    ae = (
        lstm
        if cell == "lstm"
        else _recurrent(network=Recurrent(cell=cell)).fit(sine_windows)
    )
    assert isinstance(ae.encoder_.rnns[0], module)
    assert isinstance(ae.decoder_.rnns[0], module)
    assert ae.input_shape_ == (WINDOW, 2)
    assert ae.loss_curve_[-1] < 0.5 * ae.loss_curve_[0]
    # Far better than predicting the mean window (error = total variance).
    error = -ae.score(sine_windows)
    assert error < 0.2 * sine_windows.var(axis=0).mean()
    Z = ae.transform(sine_windows)
    assert Z.shape == (len(sine_windows), 4)
    assert ae.inverse_transform(Z).shape == sine_windows.shape


def test_stacked_layers_mirror(sine_windows):
    ae = _recurrent(hidden_layer_sizes=(12, 8), max_iter=2).fit(sine_windows)
    assert [r.hidden_size for r in ae.encoder_.rnns] == [12, 8]
    assert [r.hidden_size for r in ae.decoder_.rnns] == [8, 12]


def test_planted_anomaly_scores_lowest(sine_windows, lstm):
    ae = lstm
    odd = sine_windows[:20].copy()
    odd[:, 2 * (WINDOW // 2)] += 3.0  # a spike in channel 0 mid-window
    normal = ae.score_samples(sine_windows[:200])
    assert ae.score_samples(odd).max() < np.quantile(normal, 0.01)


def test_same_seed_same_output(sine_windows):
    a = _recurrent(max_iter=2).fit(sine_windows).transform(sine_windows[:10])
    b = _recurrent(max_iter=2).fit(sine_windows).transform(sine_windows[:10])
    np.testing.assert_array_equal(a, b)


def test_pickle_and_save_load(sine_windows, tmp_path):
    ae = _recurrent(max_iter=2).fit(sine_windows)
    expected = ae.score_samples(sine_windows[:10])
    clone = pickle.loads(pickle.dumps(ae))
    np.testing.assert_allclose(clone.score_samples(sine_windows[:10]), expected)
    ae.save(tmp_path / "model.skae")
    loaded = load(tmp_path / "model.skae")
    np.testing.assert_allclose(
        loaded.score_samples(sine_windows[:10]), expected, rtol=1e-5
    )


# -------------------------------------------------------------- composition
def test_recurrent_denoiser(sine_windows):
    dae = DenoisingAutoencoder(
        n_components=4,
        noise_level=0.2,
        network="recurrent",
        input_shape=(WINDOW, 2),
        hidden_layer_sizes=(16,),
        learning_rate_init=1e-2,
        max_iter=5,
        random_state=0,
    ).fit(sine_windows)
    assert dae.predict(sine_windows[:5]).shape == (5, WINDOW * 2)


def test_recurrent_sparse_codes(sine_windows):
    ae = _recurrent(sparsity="kl", max_iter=3).fit(sine_windows)
    Z = ae.transform(sine_windows)
    assert Z.min() >= 0 and Z.max() <= 1


def test_recurrent_outlier_detector(sine_windows):
    detector = AutoencoderOutlierDetector(
        network=Recurrent(cell="gru"),
        input_shape=(WINDOW, 2),
        hidden_layer_sizes=(16,),
        learning_rate_init=1e-2,
        max_iter=10,
        random_state=0,
    ).fit(sine_windows)
    assert all(isinstance(m.rnns[0], nn.GRU) for m in detector.encoder_.members)
    odd = sine_windows[:20].copy()
    odd[:, 2 * (WINDOW // 2)] += 3.0
    assert np.all(detector.predict(odd) == -1)
    normal = detector.score_samples(sine_windows)
    assert detector.score_samples(odd).max() < np.quantile(normal, 0.01)
