"""Shared helpers for the benchmark scripts: where the shared data lives."""

import os
from pathlib import Path


def data_dir():
    """``../shared/data`` beside the repository, or ``$SKLEARN_AE_DATA``."""
    env = os.environ.get("SKLEARN_AE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"
