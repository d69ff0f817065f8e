"""Shared helpers for the benchmark scripts: where the shared data lives, CPU
timings."""

import os
import time
from pathlib import Path


def data_dir():
    """``../shared/data`` beside the repository, or ``$SKLEARN_AE_DATA``."""
    env = os.environ.get("SKLEARN_AE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def cpu_best(call, repeat=5, number=1):
    """Best CPU time of ``number`` calls, over ``repeat`` tries (seconds/call)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            call()
        best = min(best, (time.process_time() - start) / number)
    return best
