"""Collection rules for the whole repository (tests and doctests)."""

import importlib.util

# The ONNX export's doctests need the onnx extra: without it they are not
# collected, as tests/test_onnx.py skips.
collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("sklearn_ae/_onnx.py")
