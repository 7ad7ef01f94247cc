"""The toolkit's fast generators are NumPy's own streams: references saved with
``np.random.RandomState(seed)`` stay valid."""
import numpy as np
import pytest

from autograder.scenarios.toolkit import case_rng, random_state


@pytest.mark.parametrize("seed", [0, 1007, 2**32 - 1, [0], [12, 3, 785]])
def test_random_state_is_numpys_stream(seed):
    ours, numpys = random_state(seed), np.random.RandomState(seed)
    assert np.array_equal(ours.randn(3, 5), numpys.randn(3, 5))
    assert np.array_equal(ours.uniform(0.2, 1.0, (1, 4)), numpys.uniform(0.2, 1.0, (1, 4)))
    assert ours.randint(0, 10, 20).tolist() == numpys.randint(0, 10, 20).tolist()
    assert ours.standard_normal() == numpys.standard_normal()   # the cached Gaussian too


def test_generators_are_independent():
    first, second = case_rng(5, 1), case_rng(5, 1)
    drawn = first.randn(10)
    assert np.array_equal(second.randn(10), drawn)
    assert not np.array_equal(case_rng(5, 2).randn(10), drawn)
    assert np.array_equal(case_rng(5, 1).randn(10), np.random.RandomState([5, 1, 785]).randn(10))
