"""scikit-learn's estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_ae import AutoencoderOutlierDetector, AutoencoderTransformer


@parametrize_with_checks(
    [
        AutoencoderTransformer(max_iter=5),
        AutoencoderOutlierDetector(max_iter=5),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
