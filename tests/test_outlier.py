"""AutoencoderOutlierDetector: the IsolationForest contract, planted outliers."""

import os
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_ae import AutoencoderOutlierDetector

N_INLIERS, N_OUTLIERS = 300, 12

FAST = {"max_iter": 15, "random_state": 0}


def manifold(n, rng):
    """Rows near a curved 2-D surface inside 8-D, features on different scales."""
    t = rng.uniform(-1, 1, size=(n, 2))
    base = np.column_stack(
        [
            t[:, 0],
            t[:, 1],
            t[:, 0] ** 2,
            t[:, 0] * t[:, 1],
            np.sin(2 * t[:, 1]),
            t[:, 0] + t[:, 1],
            np.cos(2 * t[:, 0]),
            t[:, 1] ** 2 - t[:, 0],
        ]
    )
    scales = np.array([1, 1, 1, 1, 1, 1, 10, 100])
    return (base + 0.02 * rng.normal(size=base.shape)) * scales


def off_manifold(n, rng):
    """Rows within the data's range, but off the surface: the features that
    depend on (t0, t1) are shifted away from their values."""
    X = manifold(n, rng)
    shift = rng.choice([-1, 1], size=(n, 6)) * np.array([1, 1, 1, 1, 10, 100])
    X[:, 2:] += shift
    return X


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X_in = manifold(N_INLIERS, rng)
    X_out = off_manifold(N_OUTLIERS, np.random.RandomState(1))
    X = np.vstack([X_in, X_out])
    y = np.r_[np.zeros(N_INLIERS), np.ones(N_OUTLIERS)]
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, _ = data
    return AutoencoderOutlierDetector(**FAST).fit(X)


def test_planted_outliers_get_lowest_scores_and_minus_one(data, fitted):
    X, y = data
    scores = fitted.score_samples(X)
    assert roc_auc_score(y, -scores) > 0.99
    lowest = np.argsort(scores)[:N_OUTLIERS]
    assert np.all(y[lowest] == 1)
    labels = fitted.predict(X)
    assert np.all(labels[y == 1] == -1)
    assert set(np.unique(labels)) == {-1, 1}


def test_rows_in_an_empty_gap_between_clusters_get_the_lowest_scores():
    # Two clusters along a line in 6-D and 8 rows on the line between them:
    # those rows are reconstructed well and their codes sit near the median
    # code, so only the distance to their nearest neighbours' codes marks
    # them out (without it they rank among the most normal rows).
    rng = np.random.RandomState(0)
    v, w = rng.normal(size=6), rng.normal(size=6)
    t = np.r_[rng.normal(-2, 0.2, 300), rng.normal(2, 0.2, 300)]
    t = np.r_[t, rng.uniform(-0.3, 0.3, 8)]
    X = np.outer(t, v) + 0.3 * np.outer(rng.normal(size=t.size), w)
    X += 0.05 * rng.normal(size=X.shape)
    scores = AutoencoderOutlierDetector(**FAST).fit(X).score_samples(X)
    assert set(np.argsort(scores)[:8]) == set(range(600, 608))


def test_contamination_flags_that_share_of_training_rows(data):
    X, _ = data
    detector = AutoencoderOutlierDetector(contamination=0.05, **FAST)
    share = np.mean(detector.fit_predict(X) == -1)
    assert abs(share - 0.05) <= 0.01
    assert detector.offset_ == pytest.approx(
        np.percentile(detector.score_samples(X), 5)
    )


def test_auto_contamination_flags_few_inliers(data, fitted):
    X, y = data
    labels = fitted.predict(X)
    assert np.mean(labels[y == 0] == -1) < 0.05
    scores = fitted.score_samples(X)
    q1, q3 = np.percentile(scores, [25, 75])
    assert fitted.offset_ == pytest.approx(q1 - 1.5 * (q3 - q1))


def test_predict_decision_function_and_score_samples_agree(data, fitted):
    X, _ = data
    scores = fitted.score_samples(X)
    decision = fitted.decision_function(X)
    np.testing.assert_allclose(decision, scores - fitted.offset_)
    np.testing.assert_array_equal(fitted.predict(X), np.where(decision < 0, -1, 1))
    assert scores.dtype == np.float64 and fitted.predict(X).dtype.kind == "i"


def test_new_data_scores_and_any_number_of_rows(fitted):
    rng = np.random.RandomState(5)
    new_in = manifold(40, rng)
    new_out = off_manifold(40, rng)
    scores = fitted.score_samples(np.vstack([new_in, new_out]))
    auc = roc_auc_score(np.r_[np.zeros(40), np.ones(40)], -scores)
    assert auc > 0.95
    # Deterministic, and the same row by row as in a batch (fewer rows than
    # batch_size, and a single row, work).
    np.testing.assert_array_equal(
        scores, fitted.score_samples(np.vstack([new_in, new_out]))
    )
    one = fitted.score_samples(new_in[:1])
    np.testing.assert_allclose(one, scores[:1], rtol=1e-5)
    assert fitted.predict(new_in[:3]).shape == (3,)


def test_reconstruction_errors_point_at_the_broken_feature(fitted):
    rng = np.random.RandomState(7)
    X = manifold(20, rng)
    errors = fitted.reconstruction_errors(X)
    assert errors.shape == (20, 8)
    assert np.all(errors >= 0)
    broken = X.copy()
    broken[:, 2] += 0.5  # off the surface on feature 2 (t0 ** 2)
    worst = fitted.reconstruction_errors(broken).argmax(axis=1)
    assert np.mean(worst == 2) >= 0.9
    # About 1 on typical rows: errors are in units of each feature's scale.
    assert 0.1 < np.median(errors) < 3


def test_reconstruction_errors_keep_pandas_column_names(data):
    pd = pytest.importorskip("pandas")
    X, _ = data
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns, index=np.arange(len(X)) + 100)
    detector = AutoencoderOutlierDetector(max_iter=2, random_state=0).fit(frame)
    errors = detector.reconstruction_errors(frame.iloc[:5])
    assert isinstance(errors, pd.DataFrame)
    assert list(errors.columns) == columns
    assert list(errors.index) == [100, 101, 102, 103, 104]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fitted with names
        from_array = detector.reconstruction_errors(X[:5])
    np.testing.assert_allclose(errors.to_numpy(), from_array, rtol=1e-3)


def test_error_on_wrong_feature_count(fitted, data):
    X, _ = data
    with pytest.raises(ValueError, match="X has 5 features"):
        fitted.score_samples(X[:, :5])
    with pytest.raises(ValueError, match="X has 5 features"):
        fitted.predict(X[:, :5])


def test_nan_entries_scored_on_observed_features(data):
    X, y = data
    rng = np.random.RandomState(0)
    hidden = rng.uniform(size=X.shape) < 0.1
    X_nan = np.where(hidden, np.nan, X)
    detector = AutoencoderOutlierDetector(**FAST).fit(X_nan)
    scores = detector.score_samples(X_nan)
    assert np.isfinite(scores).all()
    assert roc_auc_score(y, -scores) > 0.95
    errors = detector.reconstruction_errors(X_nan)
    assert np.array_equal(np.isnan(errors), hidden)
    # A row alone scores as in the batch; whole rows score too.
    assert np.allclose(detector.score_samples(X_nan[:5]), scores[:5])
    assert np.isfinite(detector.score_samples(X)).all()


def test_nan_refused_by_conv_detector():
    X = np.random.RandomState(0).uniform(size=(20, 16))
    X[3, 2] = np.nan
    detector = AutoencoderOutlierDetector(network="conv", input_shape=(1, 4, 4), **FAST)
    with pytest.raises(ValueError, match="NaN"):
        detector.fit(X)


@pytest.mark.parametrize("contamination", [0.0, 0.6, -0.1, "high"])
def test_error_on_contamination_out_of_range(data, contamination):
    X, _ = data
    detector = AutoencoderOutlierDetector(contamination=contamination, **FAST)
    with pytest.raises(InvalidParameterError, match="contamination"):
        detector.fit(X)


def test_member_widths_and_max_samples(data):
    X, _ = data
    auto = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(X)
    assert auto.n_components_ == (1, 2, 4)  # 10%, 22%, 50% of 8 features
    assert auto.max_samples_ == X.shape[0]
    fixed = AutoencoderOutlierDetector(
        3, n_estimators=2, max_samples=0.5, max_iter=1, random_state=0
    ).fit(X)
    assert fixed.n_components_ == (3, 3)
    assert fixed.max_samples_ == int(np.ceil(0.5 * X.shape[0]))
    single = AutoencoderOutlierDetector(
        n_estimators=1, max_samples=100, max_iter=1, random_state=0
    )
    assert single.fit(X).max_samples_ == 100
    assert single.n_components_ == (2,)


def test_same_seed_same_scores_and_clone_refits(data, fitted):
    X, _ = data
    again = clone(fitted).fit(X)
    np.testing.assert_array_equal(again.score_samples(X), fitted.score_samples(X))
    assert again.offset_ == fitted.offset_


def test_float32_input(data, fitted):
    X, _ = data
    X32 = X.astype(np.float32)
    np.testing.assert_allclose(
        fitted.score_samples(X32), fitted.score_samples(X), rtol=1e-4
    )
    assert fitted.reconstruction_errors(X32).dtype == np.float32


def test_pickle_and_save_load_round_trip(data, fitted, tmp_path):
    X, _ = data
    expected = fitted.score_samples(X)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(fitted)).score_samples(X), expected
    )
    path = tmp_path / "detector.skae"
    fitted.save(path)
    loaded = AutoencoderOutlierDetector.load(path)
    # Scales and reference codes are stored as tensors: the scores are exact.
    np.testing.assert_array_equal(loaded.score_samples(X), expected)
    np.testing.assert_array_equal(loaded._code_reference, fitted._code_reference)
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))


def _adbench_dir():
    root = os.environ.get("SKLEARN_AE_DATA")
    base = (
        Path(root)
        if root
        else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    return base / "adbench"


@pytest.mark.slow
def test_beats_chance_clearly_on_an_adbench_set():
    path = _adbench_dir() / "thyroid.npz"
    if not path.exists():
        pytest.skip(f"{path} not found (set SKLEARN_AE_DATA)")
    from sklearn.preprocessing import StandardScaler

    data = np.load(path)
    X = StandardScaler().fit_transform(data["X"])
    detector = AutoencoderOutlierDetector(
        max_iter=5, max_samples=2000, random_state=0
    ).fit(X)
    assert roc_auc_score(data["y"], -detector.score_samples(X)) > 0.9
