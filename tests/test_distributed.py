"""Hyperparameter search on a Dask cluster through joblib's dask backend."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from sklearn_ae import AutoencoderTransformer

distributed = pytest.importorskip("distributed")


def test_grid_search_on_dask_local_cluster():
    import joblib

    X, _ = load_digits(return_X_y=True)
    X = X[:300] / 16
    search = GridSearchCV(
        AutoencoderTransformer(max_iter=5, random_state=0),
        {"n_components": [1, 6]},
        cv=2,
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_backend("dask"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        search.fit(X)
        workers = client.run(lambda: 1)
    assert len(workers) == 2
    assert search.best_params_ == {"n_components": 6}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
