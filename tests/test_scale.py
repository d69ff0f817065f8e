"""Memory bounds at scale: inference over a 1M-row memmap, 100,000-column fits."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

_ROOT = str(Path(__file__).resolve().parents[1])

linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="reads RssAnon from /proc/self/status"
)

# The child samples its anonymous resident memory (RssAnon: a memmap's file
# pages are not counted) every 5 ms around one call, after a warm-up call on a
# few rows, and prints the growth in MB.
_SAMPLER = textwrap.dedent(
    """
    import json, sys, threading, time, warnings
    sys.path.insert(0, {root!r})
    import numpy as np, torch
    torch.set_num_threads(1)

    def rss_anon_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024

    def growth(call):
        base = peak = rss_anon_mb()
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_anon_mb())
                time.sleep(0.005)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            result = call()
        finally:
            done.set()
            thread.join()
        return max(peak, rss_anon_mb()) - base, result
    """
)

_TRANSFORM_CHILD = _SAMPLER + textwrap.dedent(
    """
    import sklearn
    from sklearn_ae import AutoencoderTransformer

    n, d = 1_000_000, 100
    X = np.memmap({path!r}, dtype=np.float32, mode="w+", shape=(n, d))
    rng = np.random.RandomState(0)
    for start in range(0, n, 100_000):
        X[start : start + 100_000] = rng.normal(size=(100_000, d))
    X.flush()
    X = np.memmap({path!r}, dtype=np.float32, mode="r", shape=(n, d))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae = AutoencoderTransformer(
            4, hidden_layer_sizes=(256, 128), max_iter=1, random_state=0
        ).fit(X[:2000])
    first = ae.transform(X[:10])
    out = {{}}
    for working_memory in (None, 16):
        with sklearn.config_context(working_memory=working_memory or 1024):
            grown, Z = growth(lambda: ae.transform(X))
        out[str(working_memory)] = grown
        out["same"] = bool(np.array_equal(Z[:10], first))
        del Z
    print(json.dumps(out))
    """
)


@linux_only
def test_transform_of_a_million_row_memmap_keeps_memory_bounded(tmp_path):
    # 1,000,000 x 100 float32 on disk (400 MB), hidden (256, 128), 4 codes.
    # The codes themselves take 16 MB. Chunks sized from the widest layer
    # alone grew RssAnon by ~3 GB at the default working_memory (1 GB), and
    # by ~60 MB with working_memory=16.
    code = _TRANSFORM_CHILD.format(root=_ROOT, path=str(tmp_path / "X.f32"))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    grown = json.loads(result.stdout.strip().splitlines()[-1])
    assert grown["same"]
    assert grown["None"] < 256, f"transform grew RssAnon by {grown['None']:.0f} MB"
    # working_memory is a bound: 16 MB of chunks plus the 16 MB of codes.
    assert grown["16"] < 16 + 16 + 16, (
        f"with working_memory=16, transform grew RssAnon by {grown['16']:.0f} MB"
    )


_WIDE_CHILD = textwrap.dedent(
    """
    import json, resource, sys, warnings
    sys.path.insert(0, {root!r})
    import numpy as np, torch
    torch.set_num_threads(1)
    import sklearn_ae

    # An unbounded width would ask for tens of GB: fail fast instead of
    # swapping the machine.
    resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, 8 * 2**30))
    cls = getattr(sklearn_ae, {name!r})
    rng = np.random.RandomState(0)
    y = np.arange(10) % 2
    # Warm up: torch's lazy imports are not the estimator's memory.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls(max_iter=1).fit(rng.normal(size=(20, 8)), np.arange(20) % 2)
    X = rng.normal(size=(10, 100_000))
    X[0, 0] = np.nan if {name!r} == "AutoencoderImputer" else X[0, 0]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = cls(max_iter=1, random_state=0).fit(X, y)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({{"grown_mb": (after - before) / 1024}}))
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB on Linux")
@pytest.mark.parametrize(
    "name",
    [
        "AutoencoderTransformer",
        "DenoisingAutoencoder",
        "VariationalAutoencoder",
        "AutoencoderOutlierDetector",
        "AutoencoderImputer",
        "AutoencoderRegressor",
        "AutoencoderClassifier",
    ],
)
def test_fit_on_100000_columns_stays_under_2_gb(name):
    # 10 rows x 100,000 columns (8 MB) at the defaults: the imputer's
    # n_components="auto" asked for a 50,000-unit code and a 37 GiB PCA
    # start; widths bounded, every estimator's fit grows the peak RSS by
    # 0.7 to 1.6 GB (the first layers' weights, their gradients, Adam's
    # moments and the float64 inference copy).
    result = subprocess.run(
        [sys.executable, "-c", _WIDE_CHILD.format(root=_ROOT, name=name)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    grown = json.loads(result.stdout.strip().splitlines()[-1])["grown_mb"]
    assert grown < 2048, f"{name}.fit on 10 x 100,000 grew the peak RSS by {grown} MB"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_detector_threshold_from_a_sample_of_a_large_table(monkeypatch):
    # Scoring every training row for offset_ took as long as the fit on a
    # 1,000,000-row table; above _OFFSET_SAMPLE rows a random sample sets it.
    from sklearn_ae import AutoencoderOutlierDetector, _outlier

    monkeypatch.setattr(_outlier, "_OFFSET_SAMPLE", 500)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4000, 5))
    detector = AutoencoderOutlierDetector(
        contamination=0.1, max_iter=2, random_state=0
    ).fit(X)
    scores = detector.score_samples(X)
    # A percentile of 500 of the 4,000 rows' scores, not of all of them ...
    assert detector.offset_ != np.percentile(scores, 10)
    # ... which flags about the same share of the training rows.
    assert abs(np.mean(scores < detector.offset_) - 0.1) < 0.03


def test_inference_copy_follows_the_network_and_is_not_pickled():
    import pickle
    import warnings

    import torch

    from sklearn_ae import AutoencoderTransformer

    X = np.random.RandomState(0).normal(size=(200, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae = AutoencoderTransformer(2, max_iter=2, random_state=0).fit(X)
    size = len(pickle.dumps(ae))
    before = ae.transform(X)
    assert len(pickle.dumps(ae)) == size  # the float64 copy is not pickled
    ae.partial_fit(X)  # trains the same module in place
    after = ae.transform(X)
    assert not np.allclose(after, before)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ae)).transform(X), after)
    with torch.no_grad():  # a user's edit of the trained encoder counts too
        for parameter in ae.encoder_.parameters():
            parameter.mul_(0.5)
    assert not np.allclose(ae.transform(X), after)
