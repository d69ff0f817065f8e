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


@pytest.fixture(scope="module")
def dask_client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _digits():
    X, _ = load_digits(return_X_y=True)
    return X[:600] / 16


def test_parallel_post_fit_transform_and_predict_on_dask_workers(dask_client):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    from sklearn_ae import AutoencoderOutlierDetector

    X = _digits()
    dX = da.from_array(X, chunks=(150, X.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae = wrappers.ParallelPostFit(
            AutoencoderTransformer(n_components=4, max_iter=5, random_state=0)
        ).fit(X)
        detector = wrappers.ParallelPostFit(
            AutoencoderOutlierDetector(max_iter=2, random_state=0)
        ).fit(X)
    codes = ae.transform(dX)
    labels = detector.predict(dX)
    assert isinstance(codes, da.Array) and codes.npartitions == 4
    # Computed on the workers, chunk by chunk: equal to the in-memory call.
    np.testing.assert_array_equal(codes.compute(), ae.estimator.transform(X))
    np.testing.assert_array_equal(labels.compute(), detector.estimator.predict(X))
    # ParallelPostFit has no score_samples: map_blocks gives the scores.
    fitted = detector.estimator
    scores = dX.map_blocks(
        fitted.score_samples, drop_axis=1, dtype=np.float64, meta=np.array(())
    )
    np.testing.assert_array_equal(scores.compute(), fitted.score_samples(X))
    assert (
        dask_client.run(lambda: 1).keys()
        == dask_client.scheduler_info()["workers"].keys()
    )


def test_incremental_trains_chunk_by_chunk_through_partial_fit(dask_client):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")

    X = _digits()
    dX = da.from_array(X, chunks=(150, X.shape[1]))
    model = wrappers.Incremental(
        AutoencoderTransformer(n_components=6, random_state=0),
        shuffle_blocks=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(dX)
    fitted = model.estimator_
    # One epoch per chunk, in order: four partial_fit calls.
    assert fitted.n_iter_ == 4
    # The same as calling partial_fit on the chunks in memory.
    local = AutoencoderTransformer(n_components=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in range(0, len(X), 150):
            local.partial_fit(X[start : start + 150])
    np.testing.assert_allclose(fitted.transform(X), local.transform(X), rtol=1e-6)
    np.testing.assert_allclose(
        model.transform(dX).compute(), local.transform(X), rtol=1e-6
    )
