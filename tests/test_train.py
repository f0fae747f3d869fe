"""Tests of canon.train: Algorithm 1 (gradient descent and SGD) with a history.

Independent routes: autograd's own gradient of Q(w) = sum_t l(y_t, f_w(x_t)), a
plain update loop written out here with autograd's gradient, autograd's jacobian
for the NTK, and canon.singular_values of canon.disparity_matrix for sigma(H).
"""

import autograd
import numpy as np
import pytest

import canon
from canon.train import gradient_descent, ntk_step_size, objective_and_gradient
from reference import jacobian_on_grid, random_points, relative_error


def _problem(d=1, widths=(8,), activation="tanh", T=6, seed=0):
    net = canon.MLP(d=d, widths=widths, activation=activation)
    rng = np.random.default_rng(seed)
    w0 = canon.initialize(net, seed)
    x = random_points(rng, T, d)
    y = np.sin(2 * np.pi * x.sum(axis=1))
    return net, w0, x, y


def _autograd_gradient(net, w, x, y, loss):
    return autograd.grad(lambda v: canon.objective(loss, y, net(v, x)))(w)


@pytest.mark.parametrize(
    "d, widths, activation, loss",
    [
        (1, (8,), "tanh", "mse"),
        (2, (6,), "relu", "mse"),
        (2, (5, 4), "tanh", "mse"),
        (1, (4, 3), "sigmoid", "cross_entropy"),
        (3, (5,), "softplus", "cross_entropy"),
    ],
)
def test_objective_and_gradient_match_autograd(d, widths, activation, loss):
    net, w, x, y = _problem(d, widths, activation, T=7)
    if loss == "cross_entropy":
        y = (y > 0).astype(float)
    value, grad = objective_and_gradient(net, w, x, y, loss)
    assert value == pytest.approx(float(canon.objective(loss, y, net(w, x))), rel=1e-13)
    assert relative_error(grad, _autograd_gradient(net, w, x, y, loss)) < 1e-12


def test_gradient_descent_matches_a_plain_autograd_loop():
    net, w0, x, y = _problem(2, (5, 4), "tanh", T=8)
    eta = 0.5 * ntk_step_size(net, w0, x)
    run = gradient_descent(net, w0, x, y, steps=25, step_size=eta, schedule="inverse", decay=10.0)
    w = w0.copy()
    for n in range(25):
        w = w - eta / (1 + n / 10.0) * _autograd_gradient(net, w, x, y, "mse")
    assert relative_error(run.w, w) < 1e-12


def test_small_steps_decrease_the_loss_monotonically():
    # For a smooth Q and eta well below 2 / L the descent lemma gives Q_{n+1} < Q_n.
    net, w0, x, y = _problem(1, (16,), "tanh", T=8)
    run = gradient_descent(net, w0, x, y, steps=400, step_size=0.5 * ntk_step_size(net, w0, x))
    loss = run.history["loss"]
    assert np.all(np.diff(loss) < 0)
    assert loss[-1] < 0.5 * loss[0]


def test_small_steps_decrease_the_loss_by_eta_times_the_squared_gradient():
    # Taylor: Q(w - eta g) = Q(w) - eta ||g||^2 + O(eta^2), so the ratio tends to 1.
    net, w0, x, y = _problem(2, (6,), "relu", T=7)
    for eta, tolerance in ((1e-4, 1e-2), (1e-6, 1e-4)):
        run = gradient_descent(net, w0, x, y, steps=1, step_size=eta)
        drop = run.history["loss"][0] - run.history["loss"][1]
        assert drop / (eta * run.history["grad_norm"][0] ** 2) == pytest.approx(1.0, abs=tolerance)


def test_sgd_with_the_whole_set_as_batch_is_gradient_descent():
    net, w0, x, y = _problem(2, (6,), "tanh", T=9)
    gd = gradient_descent(net, w0, x, y, steps=30, step_size=0.02)
    sgd = gradient_descent(net, w0, x, y, steps=30, step_size=0.02, batch_size=9, seed=5)
    np.testing.assert_array_equal(gd.w, sgd.w)
    for key in gd.history:
        np.testing.assert_array_equal(gd.history[key], sgd.history[key])


def test_sgd_is_seeded_and_rescaled():
    net, w0, x, y = _problem(1, (6,), "tanh", T=10)
    a = gradient_descent(net, w0, x, y, steps=20, step_size=0.01, batch_size=3, seed=1)
    b = gradient_descent(net, w0, x, y, steps=20, step_size=0.01, batch_size=3, seed=1)
    c = gradient_descent(net, w0, x, y, steps=20, step_size=0.01, batch_size=3, seed=2)
    np.testing.assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.w, c.w)
    # one step of SGD is w0 - eta * (T / B) * (gradient of the batch's losses)
    one = gradient_descent(net, w0, x, y, steps=1, step_size=0.01, batch_size=3, seed=7)
    batch = np.sort(np.random.default_rng(7).choice(10, size=3, replace=False))
    grad = _autograd_gradient(net, w0, x[batch], y[batch], "mse")
    assert relative_error(one.w, w0 - 0.01 * (10 / 3) * grad) < 1e-13


@pytest.mark.parametrize(
    "steps, record_every, recorded",
    [(10, 1, list(range(11))), (10, 3, [0, 3, 6, 9, 10]), (10, 5, [0, 5, 10]), (4, 100, [0, 4])],
)
def test_history_lengths(steps, record_every, recorded):
    net, w0, x, y = _problem()
    run = gradient_descent(net, w0, x, y, steps=steps, step_size=0.01, record_every=record_every)
    assert set(run.history) == {"step", "step_size", "loss", "grad_norm", "distance"}
    np.testing.assert_array_equal(run.history["step"], recorded)
    assert all(values.shape == (len(recorded),) for values in run.history.values())


def test_history_entries_are_what_they_say():
    net, w0, x, y = _problem(2, (5,), "tanh", T=6)
    w0_copy = w0.copy()
    run = gradient_descent(net, w0, x, y, steps=12, step_size=0.05, schedule="inverse", decay=4.0, record_every=4)
    np.testing.assert_array_equal(w0, w0_copy)  # the start is not modified
    h = run.history
    np.testing.assert_allclose(h["step_size"][:-1], 0.05 / (1 + h["step"][:-1] / 4.0), rtol=1e-15)
    assert np.isnan(h["step_size"][-1])
    assert h["loss"][-1] == pytest.approx(float(canon.objective("mse", y, net(run.w, x))), rel=1e-13)
    assert h["grad_norm"][-1] == pytest.approx(np.linalg.norm(_autograd_gradient(net, run.w, x, y, "mse")), rel=1e-12)
    assert h["distance"][0] == 0.0
    assert h["distance"][-1] == pytest.approx(np.linalg.norm(run.w - w0), rel=1e-14)
    assert run.loss == h["loss"][-1]


def test_callable_schedule_is_used_as_given():
    net, w0, x, y = _problem()
    run = gradient_descent(net, w0, x, y, steps=5, step_size=1.0, schedule=lambda n: 0.01 * 0.5**n)
    np.testing.assert_allclose(run.history["step_size"][:-1], 0.01 * 0.5 ** np.arange(5), rtol=0)


@pytest.mark.parametrize("activation, widths", [("tanh", (12,)), ("relu", (10,))])
def test_sigma_min_matches_the_singular_values_of_h(activation, widths):
    net, w0, x, y = _problem(1, widths, activation, T=5)
    space = canon.full_space(9, 1)  # K = 9 <= M
    run = gradient_descent(net, w0, x, y, steps=6, step_size=0.01, space=space, record_every=3)
    for w, index in ((w0, 0), (run.w, -1)):
        s = canon.singular_values(reference_disparity_matrix(net, w, space))
        assert run.history["sigma_min"][index] == pytest.approx(s[-1], rel=1e-9, abs=1e-14)
        assert run.history["sigma_max"][index] == pytest.approx(s[0], rel=1e-12)


def reference_disparity_matrix(net, w, space):
    points = space.grid.points
    return jacobian_on_grid(net, w, points).T @ canon.basis_matrix(space.omega, points) / space.grid.N


def test_sigma_min_is_zero_when_h_cannot_have_full_rank():
    net, w0, x, y = _problem(1, (2,), "tanh", T=4)  # M = 7 < K = 9
    run = gradient_descent(net, w0, x, y, steps=2, step_size=0.01, space=canon.full_space(9, 1))
    assert np.all(run.history["sigma_min"] == 0.0)
    assert np.all(run.history["sigma_max"] > 0.0)


def test_ntk_step_size_is_the_inverse_largest_kernel_eigenvalue():
    net, w, x, _ = _problem(2, (7,), "relu", T=6)
    J = jacobian_on_grid(net, w, x)
    assert ntk_step_size(net, w, x, fraction=0.5) == pytest.approx(0.5 / np.linalg.eigvalsh(J @ J.T)[-1], rel=1e-12)


def test_cross_entropy_training_lowers_the_loss():
    net, w0, x, y = _problem(2, (8,), "tanh", T=8)
    labels = (y > 0).astype(float)
    run = gradient_descent(net, w0, x, labels, loss="cross_entropy", steps=300, step_size=0.1)
    assert run.loss < 0.5 * run.history["loss"][0]


def test_progress_prints_ten_deterministic_lines(capsys):
    net, w0, x, y = _problem()
    gradient_descent(net, w0, x, y, steps=50, step_size=0.01, progress=True)
    first = capsys.readouterr().out.splitlines()
    gradient_descent(net, w0, x, y, steps=50, step_size=0.01, progress=True)
    assert capsys.readouterr().out.splitlines() == first
    assert len(first) == 10
    assert first[0].startswith("step  5/50 ( 10%): Q = ")
    assert first[-1].startswith("step 50/50 (100%): Q = ")


def test_divergence_raises_floating_point_error_naming_the_step():
    net, w0, x, y = _problem(1, (8,), "relu", T=6)
    with pytest.raises(FloatingPointError, match=r"diverged at step \d+"):
        gradient_descent(net, w0, x, 1e3 * y, steps=2000, step_size=10.0)


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"steps": 0}, ValueError, "steps"),
        ({"steps": 2.5}, TypeError, "steps"),
        ({"step_size": 0.0}, ValueError, "step_size"),
        ({"step_size": -0.1}, ValueError, "step_size"),
        ({"step_size": np.inf}, ValueError, "step_size"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 7}, ValueError, "batch_size"),
        ({"schedule": "cosine"}, ValueError, "schedule"),
        ({"schedule": lambda n: -1.0}, ValueError, "schedule.*step 0"),
        ({"schedule": lambda n: float("nan")}, ValueError, "schedule"),
        ({"decay": 0.0}, ValueError, "decay"),
        ({"record_every": 0}, ValueError, "record_every"),
        ({"loss": "hinge"}, ValueError, "loss"),
        ({"seed": -1}, ValueError, "seed"),
        ({"y": np.zeros(5)}, ValueError, "y"),
        ({"x": np.zeros((6, 2))}, ValueError, "x"),
        ({"w0": np.zeros(3)}, ValueError, "w"),
        ({"w0": np.full(25, np.nan)}, ValueError, "w"),
        ({"net": "mlp"}, TypeError, "net"),
        ({"space": "full"}, TypeError, "space"),
        ({"space": canon.full_space(5, 2)}, ValueError, "space"),
        ({"progress": "yes"}, TypeError, "progress"),
        ({"loss": "cross_entropy"}, ValueError, "labels in \\[0, 1\\]"),
    ],
    ids=[
        "no-steps",
        "fractional-steps",
        "zero-step-size",
        "negative-step-size",
        "infinite-step-size",
        "empty-batch",
        "batch-larger-than-T",
        "unknown-schedule",
        "schedule-negative",
        "schedule-nan",
        "zero-decay",
        "record-every-zero",
        "unknown-loss",
        "negative-seed",
        "targets-wrong-length",
        "inputs-wrong-dimension",
        "w0-wrong-length",
        "w0-not-finite",
        "not-a-network",
        "not-a-space",
        "space-wrong-dimension",
        "progress-not-bool",
        "cross-entropy-labels-out-of-range",
    ],
)
def test_bad_settings_raise_clear_errors(change, error, match):
    net, w0, x, y = _problem(1, (8,), "tanh", T=6)
    y = 3.0 * y  # out of [0, 1], so cross-entropy refuses it
    arguments = dict(net=net, w0=w0, x=x, y=y, steps=3, step_size=0.01)
    arguments.update(change)
    with pytest.raises(error, match=match):
        gradient_descent(**arguments)


@pytest.mark.parametrize(
    "change, error, match",
    [({"fraction": 0.0}, ValueError, "fraction"), ({"net": None}, TypeError, "net"), ({"w": np.zeros(3)}, ValueError, "w")],
    ids=["zero-fraction", "not-a-network", "w-wrong-length"],
)
def test_ntk_step_size_bad_input(change, error, match):
    net, w0, x, _ = _problem(1, (8,), "tanh", T=6)
    arguments = dict(net=net, w=w0, x=x)
    arguments.update(change)
    with pytest.raises(error, match=match):
        ntk_step_size(**arguments)
