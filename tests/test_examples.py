"""Run every gallery example (examples/plot_*.py) as sphinx-gallery would,
with the Agg backend.

An example that needs the data sets in ../shared/data (or $SKLEARN_AE_DATA)
and raises FileNotFoundError because they are missing is skipped.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
DATA = Path(os.environ.get("SKLEARN_AE_DATA", ROOT.parent / "shared" / "data"))


# Run the example as sphinx-gallery does: from its own folder, as __main__,
# without __file__ (sphinx-gallery never defines it).
_RUNNER = (
    "import sys; path = sys.argv[1]; "
    "code = compile(open(path).read(), path, 'exec'); "
    "exec(code, {'__name__': '__main__'})"
)


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path):
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        # One torch thread: faster for these small networks on a shared CPU.
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, path.name],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 and "FileNotFoundError" in result.stderr:
        if str(DATA) in result.stderr or "shared/data" in result.stderr:
            pytest.skip(f"{path.name}: data missing\n{result.stderr[-500:]}")
    assert result.returncode == 0, (
        f"{path.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )


def test_there_are_examples():
    assert len(EXAMPLES) >= 3
