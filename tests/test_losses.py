"""Tests of canon.losses: meaningful convex losses (eq. 1) and the objective Q (eq. 2).

Independent routes: autograd's derivatives of ``loss_values``, finite differences,
closed forms.
"""

import autograd
import numpy as np
import pytest

import canon
from reference import finite_difference_gradient, relative_error

rng = np.random.default_rng(0)
TARGETS = {
    "mse": rng.normal(size=40),
    "cross_entropy": np.concatenate([rng.uniform(size=30), np.zeros(5), np.ones(5)]),
}
YHAT = 3 * np.random.default_rng(1).normal(size=40)


@pytest.mark.parametrize("loss", canon.LOSSES)
def test_derivative_equals_autograd(loss):
    y = TARGETS[loss]
    autograd_derivative = autograd.elementwise_grad(lambda yhat: canon.loss_values(loss, y, yhat))(YHAT)
    assert relative_error(canon.loss_derivative(loss, y, YHAT), autograd_derivative) < 1e-14
    Q = lambda yhat: canon.objective(loss, y, yhat)  # noqa: E731
    assert relative_error(canon.loss_derivative(loss, y, YHAT), finite_difference_gradient(Q, YHAT)) < 1e-8


@pytest.mark.parametrize("loss", canon.LOSSES)
def test_objective_is_the_sum_of_losses(loss):
    y = TARGETS[loss]
    assert canon.objective(loss, y, YHAT) == pytest.approx(np.sum(canon.loss_values(loss, y, YHAT)), rel=1e-15)


def test_closed_forms():
    y, yhat = np.array([0.0, 1.0, 0.25]), np.array([2.0, -1.0, 0.5])
    np.testing.assert_allclose(canon.loss_values("mse", y, yhat), [2.0, 2.0, 0.03125], rtol=1e-15)
    np.testing.assert_allclose(
        canon.loss_values("cross_entropy", y, yhat),
        [np.log1p(np.exp(2.0)), np.log1p(np.exp(1.0)), np.log1p(np.exp(0.5)) - 0.125],
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        canon.loss_derivative("cross_entropy", y, yhat), 1 / (1 + np.exp(-yhat)) - y, rtol=1e-14
    )


@pytest.mark.parametrize("loss", canon.LOSSES)
def test_convex_in_the_prediction(loss):
    yhat = np.linspace(-30, 30, 601)
    for label in (0.0, 0.3, 1.0):
        y = np.full_like(yhat, label)
        second = autograd.elementwise_grad(
            autograd.elementwise_grad(lambda z: canon.loss_values(loss, y, z))
        )(yhat)
        assert np.all(second >= 0)
        if loss == "mse":
            np.testing.assert_array_equal(second, 1.0)
        else:
            s = 1 / (1 + np.exp(-yhat))
            np.testing.assert_allclose(second, s * (1 - s), rtol=1e-10, atol=1e-14)  # 1 - s cancels
    # midpoint convexity on random pairs, no derivatives involved
    y = TARGETS[loss]
    a, b = YHAT, 3 * np.random.default_rng(2).normal(size=40)
    middle = canon.loss_values(loss, y, (a + b) / 2)
    chord = (canon.loss_values(loss, y, a) + canon.loss_values(loss, y, b)) / 2
    assert np.all(middle <= chord + 1e-14)


def test_mse_is_meaningful():
    """Eq. (1): l >= 0, and l = 0 exactly when yhat = y."""
    y = TARGETS["mse"]
    np.testing.assert_array_equal(canon.loss_values("mse", y, y), 0.0)
    other = y + np.where(np.arange(40) % 2 == 0, 1e-6, -3.0)
    assert np.all(canon.loss_values("mse", y, other) > 0)


def test_cross_entropy_is_meaningful():
    """Eq. (1) for hard labels: positive, and tending to 0 as the correct margin grows."""
    margins = np.array([0.0, 1.0, 5.0, 20.0, 40.0])
    for label, sign in ((1.0, 1.0), (0.0, -1.0)):
        values = canon.loss_values("cross_entropy", np.full(5, label), sign * margins)
        assert np.all(values >= 0) and np.all(np.diff(values) < 0)
        assert values[0] == pytest.approx(np.log(2), rel=1e-15)
        assert values[-1] < 1e-17
    # soft labels: the minimum over yhat is the label's entropy, at the logit of y
    y = np.array([0.2, 0.5, 0.9])
    logit = np.log(y / (1 - y))
    entropy = -y * np.log(y) - (1 - y) * np.log(1 - y)
    np.testing.assert_allclose(canon.loss_values("cross_entropy", y, logit), entropy, rtol=1e-14)
    np.testing.assert_allclose(canon.loss_derivative("cross_entropy", y, logit), 0.0, atol=1e-15)


def test_cross_entropy_is_stable_for_large_logits():
    y = np.array([1.0, 0.0, 1.0, 0.0])
    yhat = np.array([1000.0, -1000.0, -1000.0, 1000.0])
    values = canon.loss_values("cross_entropy", y, yhat)
    np.testing.assert_allclose(values, [0.0, 0.0, 1000.0, 1000.0], atol=1e-12)
    np.testing.assert_allclose(canon.loss_derivative("cross_entropy", y, yhat), [0.0, 0.0, -1.0, 1.0])
