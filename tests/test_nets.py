"""Tests of canon.nets: MLPs over a flat parameter vector (the literal space of eq. 3).

Independent routes: a unit-by-unit forward pass written out here, autograd's own
jacobian (tests/reference.py), central finite differences.
"""

import autograd
import numpy as np
import pytest

import canon
from reference import finite_difference_gradient, jacobian_on_grid, random_points, relative_error

ACTIVATIONS = sorted(canon.ACTIVATIONS)
WIDTHS = [(5,), (4, 3), (3, 4, 2)]
SCALAR = {
    "tanh": np.tanh,
    "relu": lambda z: max(z, 0.0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
}


def _net_and_w(d, widths, activation, seed=0):
    net = canon.MLP(d=d, widths=widths, activation=activation)
    return net, np.random.default_rng(seed).normal(size=net.M)


@pytest.mark.parametrize(
    "d, widths, M",
    [
        (2, (8,), 8 * 3 + 8 + 1),
        (1, (4, 3), 4 * 2 + 3 * 5 + 4),
        (3, (3, 4, 2), 3 * 4 + 4 * 4 + 2 * 5 + 3),
        (5, (1,), 6 + 2),
    ],
)
def test_parameter_count(d, widths, M):
    net = canon.MLP(d=d, widths=widths)
    sizes = (d,) + widths + (1,)
    assert net.M == M == sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))
    assert len(net.parameter_names()) == M
    assert net.depth == len(widths)
    assert net.layer_shapes == [(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]


def test_an_integer_width_means_one_hidden_layer():
    assert canon.MLP(d=2, widths=6).widths == (6,)


@pytest.mark.parametrize("widths", WIDTHS)
def test_pack_unpack_roundtrip(widths):
    net, w = _net_and_w(2, widths, "tanh")
    layers = net.unpack(w)
    assert [W.shape for W, _ in layers] == net.layer_shapes
    assert [b.shape for _, b in layers] == [(out,) for out, _ in net.layer_shapes]
    np.testing.assert_array_equal(net.pack(layers), w)
    # the slices tile 0..M in order, matching the parameter names
    names, position = net.parameter_names(), 0
    for l, (weights, biases) in enumerate(net.layer_slices(), start=1):
        assert weights.start == position and biases.start == weights.stop
        assert names[weights.start] == f"W{l}[0,0]" and names[biases.start] == f"b{l}[0]"
        position = biases.stop
    assert position == net.M


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("widths", WIDTHS)
def test_forward_pass_matches_a_unit_by_unit_evaluation(activation, widths):
    net, w = _net_and_w(2, widths, activation)
    x = random_points(np.random.default_rng(1), 6, 2)
    sigma, names = SCALAR[activation], net.parameter_names()
    value = dict(zip(names, w))
    expected = []
    for point in x:
        a = list(point)
        for l, (out, inp) in enumerate(net.layer_shapes, start=1):
            z = [sum(value[f"W{l}[{o},{i}]"] * a[i] for i in range(inp)) + value[f"b{l}[{o}]"] for o in range(out)]
            a = z if l == len(net.layer_shapes) else [sigma(v) for v in z]
        expected.append(a[0])
    np.testing.assert_allclose(net(w, x), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("widths", WIDTHS)
@pytest.mark.parametrize("d", [1, 3])
def test_per_sample_gradients_equal_autograd_jacobian(activation, widths, d):
    net, w = _net_and_w(d, widths, activation, seed=d)
    x = random_points(np.random.default_rng(2), 20, d)
    J = canon.per_sample_gradients(net, w, x)
    assert J.shape == (20, net.M)
    assert relative_error(J, jacobian_on_grid(net, w, x)) < 1e-13


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("widths", WIDTHS)
def test_layer_factors_are_the_forward_activations_and_backward_deltas(activation, widths):
    net, w = _net_and_w(2, widths, activation)
    x = random_points(np.random.default_rng(3), 15, 2)
    factors = net.layer_factors(w, x)
    assert len(factors) == net.depth + 1
    J = jacobian_on_grid(net, w, x)
    sigma = canon.ACTIVATIONS[activation][0]
    pre = net.hidden_preactivations(w, x)
    np.testing.assert_array_equal(factors[0][0], x)
    for l, ((a, delta), (weights, biases), (out, inp)) in enumerate(
        zip(factors, net.layer_slices(), net.layer_shapes)
    ):
        assert a.shape == (15, inp) and delta.shape == (15, out)
        if l > 0:
            np.testing.assert_allclose(a, sigma(pre[l - 1]), rtol=1e-14)
        # df/db = delta and df/dW[o, i] = delta[:, o] a[:, i], against autograd
        np.testing.assert_allclose(delta, J[:, biases], rtol=1e-12, atol=1e-14)
        outer = (delta[:, :, None] * a[:, None, :]).reshape(15, -1)
        np.testing.assert_allclose(outer, J[:, weights], rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(factors[-1][1], np.ones((15, 1)))


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("widths", [(4,), (3, 3)])
def test_call_is_autograd_differentiable_in_w_and_x(activation, widths):
    net, w = _net_and_w(2, widths, activation, seed=4)
    x = random_points(np.random.default_rng(5), 8, 2)
    c = np.random.default_rng(6).normal(size=8)
    in_w = lambda v: np.dot(c, net(v, x))  # noqa: E731
    # central differences: error ~ step**2 + eps/step, about 1e-9 relative
    assert relative_error(autograd.grad(in_w)(w), finite_difference_gradient(in_w, w)) < 1e-7
    in_x = lambda z: np.dot(c, net(w, z.reshape(8, 2)))  # noqa: E731
    assert relative_error(autograd.grad(in_x)(x.ravel()), finite_difference_gradient(in_x, x.ravel())) < 1e-7


def test_hessian_in_w_is_symmetric():
    net, w = _net_and_w(2, (3, 2), "tanh", seed=7)
    x = random_points(np.random.default_rng(8), 5, 2)
    Hess = autograd.hessian(lambda v: np.sum(net(v, x) ** 2))(w)
    assert Hess.shape == (net.M, net.M)
    assert np.max(np.abs(Hess - Hess.T)) < 1e-12 * np.max(np.abs(Hess))


def test_relu_subgradient_at_zero_is_zero_in_both_routes():
    """Remark 3: autograd and the hand-written pass pick the same subgradient at a kink."""
    net = canon.MLP(d=1, widths=(1,), activation="relu")
    w = net.pack([(np.array([[1.0]]), np.array([-0.5])), (np.array([[2.0]]), np.array([0.0]))])
    x = np.array([[0.5]])  # the kink
    np.testing.assert_array_equal(canon.per_sample_gradients(net, w, x), jacobian_on_grid(net, w, x))
    np.testing.assert_array_equal(canon.per_sample_gradients(net, w, x), [[0.0, 0.0, 0.0, 1.0]])
