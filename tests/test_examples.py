"""Run every gallery example (examples/plot_*.py) as a script, Agg backend.

Examples that read the data sets in ../shared/data (or $SKLEARN_AE_DATA) are
skipped when those files are missing.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
DATA = Path(os.environ.get("SKLEARN_AE_DATA", ROOT.parent / "shared" / "data"))


def _reads_shared_data(source):
    return "SKLEARN_AE_DATA" in source or '"shared"' in source


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path):
    if _reads_shared_data(path.read_text()) and not DATA.is_dir():
        pytest.skip(f"{path.name} reads {DATA}, which is missing")
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        # One torch thread: faster for these small networks on a shared CPU.
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    # sphinx-gallery runs examples from their own folder; so do we.
    result = subprocess.run(
        [sys.executable, path.name],
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
