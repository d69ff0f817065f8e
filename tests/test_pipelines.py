"""Every estimator where scikit-learn users put it: pandas / polars pipelines
with ``y``, ``set_output`` and ``GridSearchCV``."""

import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ae import (
    AutoencoderOutlierDetector,
    AutoencoderRegressor,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    VariationalAutoencoder,
)

TRANSFORMERS = [AutoencoderTransformer, DenoisingAutoencoder, VariationalAutoencoder]
UNSUPERVISED = [*TRANSFORMERS, AutoencoderOutlierDetector]


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def frame(digits):
    pd = pytest.importorskip("pandas")
    X, y = digits
    X, y = X[:300], y[:300]
    return pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)]), y


@pytest.mark.parametrize("library", ["pandas", "polars"])
@pytest.mark.parametrize("cls", TRANSFORMERS)
def test_set_output_reaches_transform_in_a_pipeline(cls, library, frame):
    pytest.importorskip(library)
    X, y = frame
    prefix = cls.__name__.lower()
    pipe = make_pipeline(
        cls(n_components=3, max_iter=3, random_state=0),
        ColumnTransformer([("k", "passthrough", [f"{prefix}0", f"{prefix}2"])]),
        LogisticRegression(max_iter=200),
    ).set_output(transform=library)
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(X),)
    codes = pipe[0].transform(X)
    assert type(codes).__module__.split(".")[0] == library
    assert list(codes.columns) == [f"{prefix}{i}" for i in range(3)]


@pytest.mark.parametrize("cls", UNSUPERVISED)
def test_unsupervised_fit_ignores_y(cls, frame):
    X, y = frame
    plain = cls(max_iter=3, random_state=0).fit(X)
    with_y = cls(max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(with_y.score_samples(X), plain.score_samples(X))
    assert with_y.loss_curve_ == plain.loss_curve_


@pytest.mark.parametrize("cls", TRANSFORMERS)
def test_pandas_pipeline_grid_search_with_y(cls, frame):
    X, y = frame
    pipe = make_pipeline(
        StandardScaler(), cls(max_iter=3, random_state=0), LogisticRegression()
    ).set_output(transform="pandas")
    name = pipe.steps[1][0]
    search = GridSearchCV(pipe, {f"{name}__n_components": [2, 4]}, cv=2).fit(X, y)
    assert search.best_params_[f"{name}__n_components"] in (2, 4)
    assert search.score(X, y) > 0.5  # accuracy of 10 classes


def test_pandas_pipeline_grid_search_detector(frame):
    X, _ = frame
    rng = np.random.RandomState(0)
    X = X.copy()
    outliers = rng.choice(len(X), 15, replace=False)
    X.iloc[outliers] = rng.uniform(0, 1, size=(15, X.shape[1]))
    labels = np.ones(len(X), dtype=int)
    labels[outliers] = 0  # roc_auc: higher decision_function = inlier = 1
    pipe = make_pipeline(
        StandardScaler(), AutoencoderOutlierDetector(max_iter=5, random_state=0)
    ).set_output(transform="pandas")
    search = GridSearchCV(
        pipe,
        {"autoencoderoutlierdetector__n_estimators": [1, 2]},
        cv=2,
        scoring="roc_auc",
    ).fit(X, labels)
    assert search.best_score_ > 0.9


def test_pandas_pipeline_grid_search_regressor(frame):
    X, _ = frame
    masked = X.copy()
    masked.iloc[:, 32:] = 0.0  # lower half missing -> whole image
    pipe = make_pipeline(
        StandardScaler(), AutoencoderRegressor(max_iter=10, random_state=0)
    ).set_output(transform="pandas")
    search = GridSearchCV(
        pipe, {"autoencoderregressor__n_components": [2, 16]}, cv=2
    ).fit(masked, X.to_numpy())
    assert search.best_score_ > 0.2  # R^2 of the whole images
