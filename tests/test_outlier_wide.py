"""AutoencoderOutlierDetector on wide data: cost linear in the features."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import sklearn_ae
from sklearn_ae import AutoencoderOutlierDetector

# The child process imports the same sklearn_ae as this one.
_ROOT = str(Path(sklearn_ae.__file__).resolve().parents[1])


def _ads_like(n=600, n_features=1500, n_outliers=10, seed=0):
    """Sparse binary rows from 6 groups; outliers switch features on at random."""
    rng = np.random.RandomState(seed)
    on = rng.rand(6, n_features) < 0.03
    profiles = np.where(on, rng.uniform(0.3, 0.9, on.shape), 0.005)
    X = (rng.rand(n, n_features) < profiles[rng.randint(6, size=n)]) * 1.0
    rate = np.clip(3 * X.mean(axis=0), 0, 1)
    X[:n_outliers] = rng.rand(n_outliers, n_features) < rate
    return X, n_outliers


def _n_parameters(detector):
    return sum(p.numel() for p in detector._net.module_.parameters())


def test_auto_widths_are_capped_and_parameters_grow_linearly():
    rng = np.random.RandomState(0)
    counts = {}
    for n_features in (1000, 4000):
        X = rng.normal(size=(20, n_features))
        detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(X)
        assert max(detector.n_components_) <= 32
        assert detector.n_components_ == (6, 14, 32)
        counts[n_features] = _n_parameters(detector)
    # Linear: 4 times the features, about 4 times the weights (quadratic
    # growth, with widths proportional to the features, would give ~16).
    assert counts[4000] / counts[1000] < 4.5
    # Narrow data keeps the shares of its features.
    narrow = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(X[:, :20])
    assert narrow.n_components_ == (2, 4, 10)


def test_auto_max_samples_shrinks_with_the_features():
    X = np.random.RandomState(0).normal(size=(600, 2500))
    detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(X)
    assert detector.max_samples_ < 600
    assert detector.max_samples_ * X.shape[1] <= 2**20 + X.shape[1]
    # An explicit max_samples is kept.
    fixed = AutoencoderOutlierDetector(max_samples=300, max_iter=1, random_state=0)
    assert fixed.fit(X).max_samples_ == 300


_CHILD = textwrap.dedent(
    """
    import json, resource, sys, warnings
    sys.path.insert(0, {root!r})
    import numpy as np, torch
    from sklearn_ae import AutoencoderOutlierDetector

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 10)) @ rng.normal(size=(10, {n_features}))
    X += 0.3 * rng.normal(size=X.shape)
    # Warm up: torch's lazy imports are not the detector's memory.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        AutoencoderOutlierDetector(max_iter=1).fit(np.eye(8))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detector = AutoencoderOutlierDetector(max_iter=1, random_state=0).fit(X)
    scores = detector.score_samples(X)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({{"before": before, "after": after, "finite": bool(
        np.isfinite(scores).all())}}))
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB on Linux")
def test_memory_on_wide_data_is_bounded():
    # 200 x 8,000: the data is 12.8 MB. With code widths proportional to the
    # features the network alone (weights, gradients, Adam's moments) took
    # ~2 GB more; with capped widths it takes about 0.1 GB.
    result = subprocess.run(
        [sys.executable, "-c", _CHILD.format(root=_ROOT, n_features=8000)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rss = json.loads(result.stdout.strip().splitlines()[-1])
    assert rss["finite"]
    grown_mb = (rss["after"] - rss["before"]) / 1024
    assert grown_mb < 700, f"fit and scoring grew the peak RSS by {grown_mb:.0f} MB"


def test_finds_planted_outliers_on_wide_binary_data():
    X, n_outliers = _ads_like()
    detector = AutoencoderOutlierDetector(random_state=0).fit(X)
    scores = detector.score_samples(X)
    lowest = np.argsort(scores)[:n_outliers]
    assert set(lowest) == set(range(n_outliers))
    assert (detector.predict(X[:n_outliers]) == -1).all()
    # Scores of new rows are those of the same rows in the training data.
    assert np.allclose(detector.score_samples(X[:5]), scores[:5], atol=1e-5)
