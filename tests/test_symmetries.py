"""Tests of canon.symmetries: different w, the same f_w (why eq. 3 is not one-to-one).

Independent route: the effect of each symmetry on the flat vector w and on the rows of
H is written out here from the layer slices, and compared with what canon computes.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import canon
from reference import random_points, reference_disparity

SPACE = canon.cube_space(8, 2, 2)
CASES = [((5,), 0), ((4, 3), 0), ((4, 3), 1), ((3, 4, 2), 1), ((3, 4, 2), 2)]
CASE_IDS = [f"{widths}-layer{layer}" for widths, layer in CASES]


def _net_and_w(widths, activation, seed=0):
    net = canon.MLP(d=2, widths=widths, activation=activation)
    return net, np.random.default_rng(seed).normal(size=net.M)


def _slices(net, layer):
    """(incoming weights, incoming biases, outgoing weights) slices and shapes of a hidden layer."""
    (w_in, b_in), (w_out, _) = net.layer_slices()[layer], net.layer_slices()[layer + 1]
    (m, inputs), (outputs, _) = net.layer_shapes[layer], net.layer_shapes[layer + 1]
    return w_in, b_in, w_out, m, inputs, outputs


def _permutation_index(net, layer, p):
    """Index map of permute_units on w: new w = old w[index]."""
    w_in, b_in, w_out, m, inputs, outputs = _slices(net, layer)
    index = np.arange(net.M)
    index[w_in] = w_in.start + (p[:, None] * inputs + np.arange(inputs)).ravel()
    index[b_in] = b_in.start + p
    index[w_out] = w_out.start + (np.arange(outputs)[:, None] * m + p[None, :]).ravel()
    return index


def _unit_factors(net, layer, incoming, outgoing):
    """Per-parameter factors: ``incoming[j]`` on unit j's weights and bias, ``outgoing[j]`` on its outgoing weights."""
    w_in, b_in, w_out, m, inputs, outputs = _slices(net, layer)
    r = np.ones(net.M)
    r[w_in] = np.repeat(incoming, inputs)
    r[b_in] = incoming
    r[w_out] = np.tile(outgoing, outputs)
    return r


def _check_same_function(net, w, v):
    x = random_points(np.random.default_rng(1), 200, 2)
    assert np.max(np.abs(net(v, x) - net(w, x))) < 1e-13
    theta_w = canon.fourier_coefficients(net(w, SPACE.grid.points), SPACE)
    theta_v = canon.fourier_coefficients(net(v, SPACE.grid.points), SPACE)
    assert np.max(np.abs(theta_v - theta_w)) < 1e-13


def _close(A, B):
    return np.max(np.abs(A - B)) <= 1e-12 * np.max(np.abs(B))


@pytest.mark.parametrize("activation", sorted(canon.ACTIVATIONS))
@pytest.mark.parametrize("widths, layer", CASES, ids=CASE_IDS)
def test_permute_units(widths, layer, activation):
    net, w = _net_and_w(widths, activation)
    rng, p = np.random.default_rng(2), np.arange(net.widths[layer])
    while np.array_equal(p, np.arange(len(p))):  # a permutation that moves something
        p = rng.permutation(len(p))
    v = canon.permute_units(net, w, layer, p)
    index = _permutation_index(net, layer, p)
    np.testing.assert_array_equal(v, w[index])
    assert not np.array_equal(v, w)
    _check_same_function(net, w, v)
    assert _close(canon.disparity_matrix(net, v, SPACE), canon.disparity_matrix(net, w, SPACE)[index])
    # the inverse permutation undoes it exactly
    np.testing.assert_array_equal(canon.permute_units(net, v, layer, np.argsort(p)), w)


@pytest.mark.parametrize("widths, layer", CASES, ids=CASE_IDS)
def test_rescale_relu_units(widths, layer):
    net, w = _net_and_w(widths, "relu")
    c = np.random.default_rng(3).uniform(0.2, 5.0, size=net.widths[layer])
    v = canon.rescale_units(net, w, layer, c)
    r = _unit_factors(net, layer, c, 1 / c)
    np.testing.assert_allclose(v, w * r, rtol=1e-15)
    _check_same_function(net, w, v)
    # d f / d w scales inversely: rows of unit j's incoming weights by 1/c_j, outgoing by c_j
    H_w = canon.disparity_matrix(net, w, SPACE)
    assert _close(canon.disparity_matrix(net, v, SPACE), H_w / r[:, None])
    assert _close(reference_disparity(net, v, SPACE), H_w / r[:, None])


@pytest.mark.parametrize("widths, layer", CASES, ids=CASE_IDS)
def test_flip_tanh_units(widths, layer):
    net, w = _net_and_w(widths, "tanh")
    mask = np.random.default_rng(4).uniform(size=net.widths[layer]) < 0.5
    mask[0] = True
    v = canon.flip_units(net, w, layer, mask)
    sign = np.where(mask, -1.0, 1.0)
    s = _unit_factors(net, layer, sign, sign)
    np.testing.assert_array_equal(v, w * s)
    _check_same_function(net, w, v)
    assert _close(canon.disparity_matrix(net, v, SPACE), canon.disparity_matrix(net, w, SPACE) * s[:, None])


def test_rescaling_tanh_units_changes_the_function_and_is_refused():
    net, w = _net_and_w((4,), "tanh")
    with pytest.raises(ValueError, match=r"^net: expected a positively homogeneous activation"):
        canon.rescale_units(net, w, 0, np.full(4, 2.0))
    # and for good reason: the same change of w does change a tanh network's function
    x = random_points(np.random.default_rng(5), 50, 2)
    v = w * _unit_factors(net, 0, np.full(4, 2.0), np.full(4, 0.5))
    assert np.max(np.abs(net(v, x) - net(w, x))) > 1e-2


def test_flipping_relu_units_is_refused():
    net, w = _net_and_w((4,), "relu")
    with pytest.raises(ValueError, match=r"^net: expected an odd activation"):
        canon.flip_units(net, w, 0, np.ones(4, dtype=bool))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_property_symmetries_leave_f_unchanged(m1, m2, seed):
    rng = np.random.default_rng(seed)
    x = random_points(rng, 30, 2)
    for activation in ("relu", "tanh"):
        net = canon.MLP(d=2, widths=(m1, m2), activation=activation)
        w = rng.normal(size=net.M)
        layer = int(rng.integers(2))
        m = net.widths[layer]
        v = canon.permute_units(net, w, layer, rng.permutation(m))
        if activation == "relu":
            v = canon.rescale_units(net, v, layer, rng.uniform(0.1, 10.0, size=m))
        else:
            v = canon.flip_units(net, v, layer, rng.uniform(size=m) < 0.5)
        assert np.max(np.abs(net(v, x) - net(w, x))) < 1e-12 * max(1.0, np.max(np.abs(net(w, x))))
