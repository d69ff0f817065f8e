"""scikit-learn estimators backed by PyTorch autoencoders."""

# License: BSD 3 clause

from sklearn_ae._outlier import AutoencoderOutlierDetector
from sklearn_ae._persistence import load, save
from sklearn_ae._transformer import AutoencoderTransformer

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "load",
    "save",
    "__version__",
]
