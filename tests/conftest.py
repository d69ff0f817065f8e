import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Small networks train faster on one thread on a 2-core machine.
    torch.set_num_threads(1)
    yield
