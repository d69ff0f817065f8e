"""scikit-learn estimators backed by PyTorch autoencoders."""

# License: BSD 3 clause

from sklearn_ae._architectures import Conv, Dense, Recurrent
from sklearn_ae._classifier import AutoencoderClassifier
from sklearn_ae._denoising import DenoisingAutoencoder
from sklearn_ae._imputer import AutoencoderImputer
from sklearn_ae._onnx import to_onnx
from sklearn_ae._outlier import AutoencoderOutlierDetector
from sklearn_ae._persistence import load, save
from sklearn_ae._regressor import AutoencoderRegressor
from sklearn_ae._sequences import sliding_windows
from sklearn_ae._transformer import AutoencoderTransformer
from sklearn_ae._variational import VariationalAutoencoder

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoencoderClassifier",
    "AutoencoderImputer",
    "AutoencoderOutlierDetector",
    "AutoencoderRegressor",
    "AutoencoderTransformer",
    "Conv",
    "Dense",
    "DenoisingAutoencoder",
    "Recurrent",
    "VariationalAutoencoder",
    "load",
    "save",
    "sliding_windows",
    "to_onnx",
    "__version__",
]
