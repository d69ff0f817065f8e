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


def test_accelerate_path_on_cpu_matches_plain_training():
    pytest.importorskip("accelerate")
    import pickle

    X, _ = load_digits(return_X_y=True)
    X = X[:300] / 16
    kw = dict(n_components=3, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        accelerated = AutoencoderTransformer(accelerate=True, **kw).fit(X)
        plain = AutoencoderTransformer(**kw).fit(X)
    np.testing.assert_allclose(accelerated.transform(X), plain.transform(X), rtol=1e-5)
    assert accelerated.n_iter_ == 5
    loaded = pickle.loads(pickle.dumps(accelerated))
    np.testing.assert_array_equal(loaded.transform(X), accelerated.transform(X))


def test_batch_iterator_shards_split_the_rows():
    import torch

    from sklearn_ae._training import BatchIterator, RowsDataset

    dataset = RowsDataset(torch.arange(23.0).reshape(23, 1))
    seen = []
    for shard in range(3):
        torch.manual_seed(0)
        iterator = BatchIterator(
            dataset, batch_size=4, shuffle=True, shard=shard, num_shards=3
        )
        rows = torch.cat([xb for xb, _ in iterator]).ravel().tolist()
        assert len(iterator) == -(-len(rows) // 4)
        seen.append(rows)
    flat = sorted(r for rows in seen for r in rows)
    assert flat == list(range(23))
