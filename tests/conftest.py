import pytest
import torch
from sklearn.datasets import load_digits

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Small networks train faster on one thread on a 2-core machine.
    torch.set_num_threads(1)
    yield


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 1,797 digits scaled to [0, 1], and their labels.

    Tests take the rows they need, e.g. ``digits[0][:500]``.
    """
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y
