"""Tests of canon.initializations: seeded initial parameters (section 3.3.3).

Independent routes: the geometry of each unit's hyperplane (distance to the centre of
U, signs at the corners of U, signs on many random points), sample statistics.
"""

import itertools

import numpy as np
import pytest

import canon
from reference import random_points

CENTRE_CASES = [(d, act) for d in (1, 2, 3) for act in ("relu", "tanh")]


def _first_layer(net, w):
    W, b = net.unpack(w)[0]
    return np.asarray(W), np.asarray(b)


def _distance_to_centre(W, b):
    c = np.full(W.shape[1], 0.5)
    return np.abs(W @ c + b) / np.linalg.norm(W, axis=1)


def _cuts(z):
    """Per unit: does the pre-activation take both signs over the rows of z?"""
    return (z.min(axis=0) < 0) & (z.max(axis=0) > 0)


@pytest.mark.parametrize("scheme", ["gaussian", "centred", "anchored"])
def test_same_seed_same_w_and_different_seeds_differ(scheme):
    net = canon.MLP(d=2, widths=(6, 5), activation="relu")
    w = canon.initialize(net, 3, scheme)
    assert w.shape == (net.M,) and w.dtype == np.float64 and np.all(np.isfinite(w))
    np.testing.assert_array_equal(canon.initialize(net, 3, scheme), w)
    np.testing.assert_array_equal(canon.initialize(net, np.int64(3), scheme), w)
    random = slice(0, net.M - 1)  # the output bias is 0 in both schemes
    assert not np.any(canon.initialize(net, 4, scheme)[random] == w[random])  # every draw differs


def test_gaussian_statistics_and_scale():
    net = canon.MLP(d=4, widths=(3000,), activation="tanh")
    w = canon.initialize(net, 0, "gaussian", scale=2.0, bias_scale=0.5)
    (W1, b1), (W2, b2) = net.unpack(w)
    # 12000 and 3000 draws: sample std within a few percent
    assert np.std(W1) == pytest.approx(2.0 / np.sqrt(4), rel=0.03)
    assert np.std(b1) == pytest.approx(0.5, rel=0.05)
    assert np.std(W2) == pytest.approx(1 / np.sqrt(3000), rel=0.05)
    np.testing.assert_array_equal(b2, [0.0])
    # scale multiplies the hidden weights of the very same draw
    W1_unit = net.unpack(canon.initialize(net, 0, "gaussian", scale=1.0, bias_scale=0.5))[0][0]
    np.testing.assert_allclose(W1, 2.0 * W1_unit, rtol=1e-15)


@pytest.mark.parametrize("d, activation", CENTRE_CASES)
def test_centred_first_layer_hyperplanes_pass_near_the_centre(d, activation):
    spread = 0.1
    net = canon.MLP(d=d, widths=(200,), activation=activation)
    W, b = _first_layer(net, canon.initialize(net, 1, "centred", spread=spread))
    # |W.(c - anchor)| / |W| <= |c - anchor| = spread |N(0, I_d)|: below spread (sqrt(d) + 5)
    bound = spread * (np.sqrt(d) + 5)
    assert np.max(_distance_to_centre(W, b)) < bound
    # the same check fails for the gaussian scheme (section 3.3.3: hyperplanes anywhere)
    W, b = _first_layer(net, canon.initialize(net, 1, "gaussian"))
    assert np.max(_distance_to_centre(W, b)) > bound


@pytest.mark.parametrize("d", [1, 2, 3])
def test_centred_with_zero_spread_goes_through_the_centre(d):
    net = canon.MLP(d=d, widths=(50,), activation="relu")
    W, b = _first_layer(net, canon.initialize(net, 2, "centred", spread=0.0))
    assert np.max(_distance_to_centre(W, b)) < 1e-15


@pytest.mark.parametrize("d, activation", CENTRE_CASES)
def test_centred_first_layer_hyperplanes_cut_U(d, activation):
    net = canon.MLP(d=d, widths=(100,), activation=activation)
    corners = np.array(list(itertools.product((0.0, 1.0), repeat=d)))
    # a hyperplane cuts the cube iff its affine function changes sign over the corners
    W, b = _first_layer(net, canon.initialize(net, 3, "centred"))
    assert np.all(_cuts(corners @ W.T + b))
    W, b = _first_layer(net, canon.initialize(net, 3, "gaussian", bias_scale=3.0))
    assert not np.all(_cuts(corners @ W.T + b))


@pytest.mark.parametrize("d, activation", CENTRE_CASES)
def test_centred_deeper_units_change_sign_on_U(d, activation):
    net = canon.MLP(d=d, widths=(40, 30, 20), activation=activation)
    x = random_points(np.random.default_rng(4), 20000, d)
    for z in net.hidden_preactivations(canon.initialize(net, 5, "centred"), x):
        assert np.all(_cuts(z))
    cut = [_cuts(z) for z in net.hidden_preactivations(canon.initialize(net, 5, "gaussian"), x)]
    assert not all(np.all(c) for c in cut)


def test_centred_output_layer_is_the_gaussian_one():
    net = canon.MLP(d=2, widths=(500,), activation="tanh")
    (_, _), (W2, b2) = net.unpack(canon.initialize(net, 6, "centred"))
    np.testing.assert_array_equal(b2, [0.0])
    assert np.std(W2) == pytest.approx(1 / np.sqrt(500), rel=0.1)


@pytest.mark.parametrize("d, activation", CENTRE_CASES)
def test_anchored_units_have_length_scale_and_cut_U(d, activation):
    net = canon.MLP(d=d, widths=(40,), activation=activation)
    w = canon.initialize(net, 5, "anchored", scale=3.0)
    W, b = _first_layer(net, w)
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 3.0, rtol=1e-14)
    # every hyperplane passes through a point of U, so it takes both signs on U
    assert np.all(_cuts(random_points(np.random.default_rng(1), 20000, d) @ W.T + b))
    # the anchors are spread over U, not gathered at its centre
    assert _distance_to_centre(W, b).max() > 0.3 * np.sqrt(d) / 2


def test_anchored_deeper_units_change_sign_on_U():
    net = canon.MLP(d=2, widths=(8, 6), activation="tanh")
    w = canon.initialize(net, 2, "anchored", scale=2.0)
    z = net.hidden_preactivations(w, random_points(np.random.default_rng(4), 20000, 2))[1]
    assert np.all(_cuts(z))


@pytest.mark.parametrize("scheme", ["gaussian", "centred", "anchored"])
def test_output_scale_multiplies_the_output_weights(scheme):
    net = canon.MLP(d=2, widths=(7,), activation="relu")
    plain = net.unpack(canon.initialize(net, 9, scheme))
    loud = net.unpack(canon.initialize(net, 9, scheme, output_scale=30.0))
    np.testing.assert_array_equal(plain[0][0], loud[0][0])
    np.testing.assert_allclose(loud[1][0], 30.0 * plain[1][0], rtol=1e-14)
