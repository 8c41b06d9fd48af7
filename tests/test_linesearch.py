"""Tests for minikan.optim.linesearch: cubic interpolation and the strong-Wolfe search."""

import numpy as np
import pytest

from minikan.optim.linesearch import Trial, cubic_minimizer, strong_wolfe


def test_cubic_minimizer_finds_the_minimiser_of_a_cubic():
    # p(t) = t^3 - 3t has its local minimiser at t = 1; fit it from either side, either order.
    def point(t):
        return Trial(t, t ** 3 - 3 * t, None, 3 * t ** 2 - 3)
    for a, b in [(0.0, 2.0), (2.0, 0.0), (0.5, 3.0), (3.0, -0.5)]:
        assert cubic_minimizer(point(a), point(b), -10, 10) == pytest.approx(1.0, abs=1e-12)
    assert cubic_minimizer(point(0.0), point(2.0), 1.5, 1.8) == 1.5       # clipped


def test_strong_wolfe_accepts_a_good_first_step_with_one_evaluation():
    def phi(t):                               # f(t) = (t - 1)^2 along d = 1
        return (t - 1.0) ** 2, np.array([2 * (t - 1.0)]), 2 * (t - 1.0)
    start = Trial(0.0, 1.0, np.array([-2.0]), -2.0)
    result = strong_wolfe(phi, 1.0, start)
    assert result.wolfe and result.n_evals == 1 and result.trial.t == 1.0
    far = strong_wolfe(phi, 50.0, start)      # overshoot: zoom back into the bracket
    assert far.wolfe and abs(far.trial.gtd) <= 0.9 * 2.0 and far.trial.f < 1.0
