"""The scikit-learn names we use that are private or moved between versions.

Imported here, in one place, so that a change in scikit-learn is met once.
"""

# License: BSD 3 clause

from sklearn.base import _fit_context
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import _check_feature_names_in, validate_data

__all__ = [
    "Interval",
    "RealNotInt",
    "StrOptions",
    "_check_feature_names_in",
    "_fit_context",
    "get_chunk_n_rows",
    "validate_data",
]
