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
