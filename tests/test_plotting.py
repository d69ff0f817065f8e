"""Tests of sklearn_ae.plotting: the Display objects."""

import sys
import warnings

import numpy as np
import pytest
from sklearn.base import OutlierMixin
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ae import (
    AutoencoderTransformer,
    Conv,
    DenoisingAutoencoder,
    sliding_windows,
)
from sklearn_ae.plotting import (
    LatentSpaceDisplay,
    LossCurveDisplay,
    OutlierScoreDisplay,
    ReconstructionDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sample(digits):
    return (digits[0][:400], digits[1][:400])


def _fit(estimator, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args)


@pytest.fixture(scope="module")
def ae_early(sample):
    ae = AutoencoderTransformer(
        n_components=3, max_iter=12, early_stopping=True, random_state=0
    )
    return _fit(ae, sample[0])


@pytest.fixture(scope="module")
def ae(sample):
    return _fit(
        AutoencoderTransformer(
            n_components=2, early_stopping=False, max_iter=6, random_state=0
        ),
        sample[0],
    )


@pytest.fixture(scope="module")
def outliers():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(300, 4)), rng.uniform(-8, 8, size=(20, 4))])
    y = np.r_[np.zeros(300, int), np.ones(20, int)]
    return X, y


# --------------------------------------------------------------- loss curves
def test_loss_curve_from_estimator_with_validation(ae_early):
    display = LossCurveDisplay.from_estimator(ae_early)
    assert isinstance(display, LossCurveDisplay)
    assert display.ax_.figure is display.figure_
    np.testing.assert_allclose(display.line_train_.get_ydata(), ae_early.loss_curve_)
    np.testing.assert_allclose(
        display.line_val_.get_ydata(), -np.asarray(ae_early.validation_scores_)
    )
    best = int(np.argmax(ae_early.validation_scores_)) + 1
    assert display.best_epoch == best
    assert display.best_line_.get_xdata()[0] == best
    assert display.ax_.get_xlabel() == "epoch"
    assert display.ax_.get_ylabel() == "loss"
    assert display.ax_.get_title() == "AutoencoderTransformer"
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["training loss", "validation loss", f"best epoch ({best})"]


def test_loss_curve_without_validation_marks_lowest_training_loss(ae):
    display = LossCurveDisplay.from_estimator(ae, name="mine", log_scale=True)
    assert display.line_val_ is None
    assert display.best_epoch == int(np.argmin(ae.loss_curve_)) + 1
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_title() == "mine"


def test_loss_curve_draws_on_given_axes_and_reads_pipelines(ae_early, sample):
    fig, (left, right) = plt.subplots(1, 2)
    display = LossCurveDisplay.from_estimator(ae_early, ax=right)
    assert display.ax_ is right and display.figure_ is fig
    assert not left.lines
    pipe = _fit(
        make_pipeline(
            StandardScaler(), AutoencoderTransformer(max_iter=3, random_state=0)
        ),
        sample[0],
    )
    display = LossCurveDisplay.from_estimator(pipe)
    assert len(display.line_train_.get_xdata()) == pipe[-1].n_iter_


def test_loss_curve_errors(sample):
    with pytest.raises(TypeError, match="has no loss_curve_"):
        LossCurveDisplay.from_estimator(PCA(2).fit(sample[0]))
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(AutoencoderTransformer())
    with pytest.raises(ValueError, match="validation_loss has 2 epochs"):
        LossCurveDisplay(loss_curve=[1, 2, 3], validation_loss=[1, 2])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        LossCurveDisplay(loss_curve=[])
    with pytest.raises(ValueError, match="log_scale=True needs positive losses"):
        LossCurveDisplay(loss_curve=[0.5, -0.1]).plot(log_scale=True)


# ----------------------------------------------------------- reconstructions
def test_reconstruction_images_from_transformer(ae, sample):
    X = sample[0]
    display = ReconstructionDisplay.from_estimator(
        ae, X, n_samples=5, image_shape=(8, 8)
    )
    np.testing.assert_allclose(
        display.X_reconstructed, ae.inverse_transform(ae.transform(X[:5]))
    )
    labels = [t.get_text() for t in display.ax_.get_yticklabels()]
    assert labels == ["original", "reconstruction"]
    grid = display.image_.get_array()
    # 2 rows x 5 columns of 8x8 images with 1-pixel gaps.
    assert grid.shape == (2 * 9 - 1, 5 * 9 - 1)
    np.testing.assert_allclose(grid[:8, 9:17], X[1].reshape(8, 8))
    np.testing.assert_allclose(grid[9:, :8], display.X_reconstructed[0].reshape(8, 8))
    assert np.ma.getmaskarray(grid)[8].all()  # the gap between the rows
    np.testing.assert_allclose(
        display.errors_, np.mean((X[:5] - display.X_reconstructed) ** 2, axis=1)
    )


def test_reconstruction_prefers_predict_and_shows_targets(sample):
    X = sample[0]
    noisy = X + np.random.RandomState(0).normal(scale=0.2, size=X.shape)
    dae = _fit(
        DenoisingAutoencoder(n_components=8, max_iter=3, random_state=0), noisy, X
    )
    display = ReconstructionDisplay.from_estimator(
        dae, noisy, X, indices=[3, 7], image_shape=(1, 8, 8)
    )
    np.testing.assert_allclose(display.X_reconstructed, dae.predict(noisy[[3, 7]]))
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == [
        "input",
        "output",
        "target",
    ]
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["3", "7"]
    np.testing.assert_allclose(
        display.errors_, np.mean((display.X_reconstructed - X[[3, 7]]) ** 2, axis=1)
    )


class _PCADetector(OutlierMixin, PCA):
    """A detector whose predict gives labels but which can reconstruct."""

    def predict(self, X):
        return np.ones(len(X), dtype=int)


def test_reconstruction_of_outlier_detector_uses_inverse_transform(sample):
    X = sample[0]
    detector = _PCADetector(n_components=4).fit(X)
    display = ReconstructionDisplay.from_estimator(detector, X, n_samples=2)
    np.testing.assert_allclose(
        display.X_reconstructed, detector.inverse_transform(detector.transform(X[:2]))
    )
    with pytest.raises(ValueError, match="one value per row"):
        ReconstructionDisplay.from_estimator(detector, X, method="predict")
    forest = IsolationForest(random_state=0).fit(X)
    with pytest.raises(TypeError, match="no inverse_transform"):
        ReconstructionDisplay.from_estimator(forest, X)


def test_reconstruction_tabular_bars_with_feature_names(sample):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(sample[0][:, 20:26], columns=[f"px{i}" for i in range(6)])
    pca = PCA(n_components=2).fit(X)
    display = ReconstructionDisplay.from_estimator(pca, X)
    assert len(display.bars_) == 3  # default: three rows
    assert [len(bars) for bars in display.bars_] == [6, 6, 6]
    heights = [patch.get_height() for patch in display.bars_[1]]
    np.testing.assert_allclose(heights, X.iloc[1])
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == list(X.columns)
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend[0] == "output"
    assert legend[1].startswith("row 0 (MSE ")


def test_reconstruction_colour_outputs_of_gray_inputs():
    rng = np.random.RandomState(0)
    colour = rng.uniform(size=(3, 3, 4, 4))  # (n, C, H, W)
    gray = colour.mean(axis=1).reshape(3, -1)
    display = ReconstructionDisplay(
        X=gray, X_reconstructed=colour.reshape(3, -1), image_shape=(3, 4, 4)
    ).plot()
    grid = display.image_.get_array()
    assert grid.shape == (2 * 5 - 1, 3 * 5 - 1, 4)  # RGBA
    # Second row, first column: the colour output, channels moved last.
    np.testing.assert_allclose(grid[5:, :4, :3], colour[0].transpose(1, 2, 0))
    np.testing.assert_allclose(grid[:4, :4, 0], gray[0].reshape(4, 4))
    assert display.errors_ is None  # gray inputs, colour outputs


def test_reconstruction_reads_the_shape_of_conv_and_recurrent_estimators(sample):
    conv = _fit(
        AutoencoderTransformer(
            network=Conv(channels=(4,)), input_shape=(1, 8, 8), max_iter=1
        ),
        sample[0][:100],
    )
    display = ReconstructionDisplay.from_estimator(conv, sample[0], n_samples=4)
    assert display.image_.get_array().shape == (2 * 9 - 1, 4 * 9 - 1)

    t = np.arange(300)
    series = np.c_[np.sin(t / 5), np.cos(t / 7)]
    windows = sliding_windows(series, window=12, step=3)
    rnn = _fit(
        AutoencoderTransformer(
            n_components=3,
            network="recurrent",
            input_shape=(12, 2),
            hidden_layer_sizes=(8,),
            max_iter=1,
            random_state=0,
        ),
        windows,
    )
    display = ReconstructionDisplay.from_estimator(rnn, windows, indices=[0, 5])
    assert display.image_ is None and not display.bars_
    assert len(display.lines_) == 2 * 2  # two windows x two channels
    np.testing.assert_allclose(display.lines_[2].get_ydata(), series[15:27, 0])
    outputs = rnn.inverse_transform(rnn.transform(windows[[0, 5]]))
    np.testing.assert_allclose(
        display.errors_, np.mean((outputs - windows[[0, 5]]) ** 2, axis=1), rtol=1e-6
    )
    assert display.ax_.get_xlabel() == "time step in the window"


def test_reconstruction_errors():
    X = np.ones((2, 10))
    with pytest.raises(ValueError, match="not images of 3 x 3 pixels"):
        ReconstructionDisplay(X=X, X_reconstructed=X, image_shape=(3, 3)).plot()
    with pytest.raises(ValueError, match="image_shape=.* must be"):
        ReconstructionDisplay(X=X, X_reconstructed=X, image_shape=(2, 5, 5)).plot()
    with pytest.raises(ValueError, match="X_reconstructed has 1 samples"):
        ReconstructionDisplay(X=X, X_reconstructed=X[:1])
    with pytest.raises(ValueError, match="For images, pass image_shape"):
        ReconstructionDisplay(X=X, X_reconstructed=np.ones((2, 4))).plot()
    with pytest.raises(ValueError, match="not windows of 4 steps"):
        ReconstructionDisplay(X=X, X_reconstructed=X, sequence_shape=(4, 1)).plot()
    with pytest.raises(ValueError, match="not both"):
        ReconstructionDisplay(
            X=X, X_reconstructed=X, image_shape=(2, 5), sequence_shape=(5, 2)
        )


# ------------------------------------------------------------ outlier scores
def test_outlier_scores_of_isolation_forest(outliers):
    X, y = outliers
    forest = IsolationForest(random_state=0).fit(X)
    display = OutlierScoreDisplay.from_estimator(forest, X, y)
    scores = forest.score_samples(X)
    np.testing.assert_allclose(display.scores, scores)
    assert display.threshold_line_.get_xdata()[0] == pytest.approx(forest.offset_)
    assert display.roc_auc_ == pytest.approx(roc_auc_score(y, -scores))
    assert display.ax_ is display.ax_hist_
    assert display.ax_roc_ is not display.ax_hist_
    assert display.roc_line_.get_xdata()[-1] == 1.0
    legend = [t.get_text() for t in display.ax_hist_.get_legend().get_texts()]
    assert legend[:2] == ["inliers (300)", "outliers (20)"]
    flagged = np.mean(scores < forest.offset_)
    assert f"flags {flagged:.1%}" in legend[2]


def test_outlier_scores_histogram_only_without_labels(outliers, ae):
    X, y = outliers
    forest = IsolationForest(random_state=0).fit(X)
    display = OutlierScoreDisplay.from_estimator(forest, X)
    assert display.ax_roc_ is None and display.roc_auc_ is None
    assert display.ax_hist_.get_ylabel() == "rows"
    with pytest.raises(ValueError, match="needs the true labels"):
        display.plot(kind="roc")
    with pytest.raises(ValueError, match="kind='violin' must be one of"):
        display.plot(kind="violin")
    # An estimator without offset_ (an autoencoder's score): no threshold.
    Xd = np.random.RandomState(0).uniform(size=(20, 64))
    display = OutlierScoreDisplay.from_estimator(ae, Xd)
    assert display.threshold_line_ is None


def test_outlier_scores_axes_and_labels(outliers):
    X, y = outliers
    forest = IsolationForest(random_state=0).fit(X)
    fig, axes = plt.subplots(1, 2)
    display = OutlierScoreDisplay.from_estimator(
        forest, X, np.where(y == 1, -1, 1), pos_label=-1, ax=axes
    )
    assert display.ax_hist_ is axes[0] and display.ax_roc_ is axes[1]
    expected = roc_auc_score(y, -forest.score_samples(X))
    assert display.roc_auc_ == pytest.approx(expected)
    fig, ax = plt.subplots()
    display = OutlierScoreDisplay.from_estimator(forest, X, y, kind="roc", ax=ax)
    assert display.ax_roc_ is ax and display.ax_hist_ is None
    with pytest.raises(ValueError, match="draws on 2 Axes, but ax holds 1"):
        OutlierScoreDisplay.from_estimator(forest, X, y, ax=ax)
    with pytest.raises(ValueError, match="both outliers"):
        OutlierScoreDisplay.from_estimator(forest, X, np.zeros(len(X)))
    with pytest.raises(TypeError, match="has no score_samples"):
        OutlierScoreDisplay.from_estimator(StandardScaler().fit(X), X)


# -------------------------------------------------------------- latent space
def test_latent_space_categorical_labels(ae, sample):
    X, y = sample
    display = LatentSpaceDisplay.from_estimator(ae, X, y)
    assert len(display.scatters_) == np.unique(y).size
    assert display.colorbar_ is None
    Z = ae.transform(X)
    np.testing.assert_allclose(display.scatters_[3].get_offsets(), Z[y == 3])
    assert display.ax_.get_xlabel() == "autoencodertransformer0"
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == [str(c) for c in range(10)]


def test_latent_space_continuous_labels_and_components(sample):
    X, _ = sample
    pca = PCA(n_components=3).fit(X)
    display = LatentSpaceDisplay.from_estimator(
        pca, X, X.sum(axis=1), components=(2, 0), name="PCA 2 vs 0"
    )
    assert display.colorbar_ is not None
    np.testing.assert_allclose(display.embedding, pca.transform(X)[:, [2, 0]])
    assert (display.ax_.get_xlabel(), display.ax_.get_ylabel()) == ("pca2", "pca0")
    assert display.ax_.get_title() == "PCA 2 vs 0"


def test_latent_space_errors(sample):
    X, y = sample
    pca1 = PCA(n_components=1).fit(X)
    with pytest.raises(ValueError, match="needs n_components >= 2"):
        LatentSpaceDisplay.from_estimator(pca1, X)
    with pytest.raises(ValueError, match="one label per row"):
        LatentSpaceDisplay(embedding=np.zeros((4, 2)), labels=[1, 2])
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        LatentSpaceDisplay(embedding=np.zeros((4, 3)))


# --------------------------------------------------------- without matplotlib
@pytest.mark.parametrize(
    "make_display",
    [
        lambda: LossCurveDisplay(loss_curve=[1.0, 0.5]),
        lambda: ReconstructionDisplay(
            X=np.ones((1, 3)), X_reconstructed=np.ones((1, 3))
        ),
        lambda: OutlierScoreDisplay(scores=[0.0, 1.0]),
        lambda: LatentSpaceDisplay(embedding=np.zeros((3, 2))),
    ],
)
def test_plot_without_matplotlib_names_the_extra(monkeypatch, make_display):
    display = make_display()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install -e "\.\[plot\]"'):
        display.plot()


def test_from_estimator_without_matplotlib_names_the_extra(monkeypatch, ae):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"LossCurveDisplay.plot needs matplotlib"):
        LossCurveDisplay.from_estimator(ae)
