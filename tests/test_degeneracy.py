"""Tests of canon.degeneracy: dead and duplicated units, and how they degenerate H (section 3.3).

Independent routes: the pre-activations evaluated on a lattice of U that contains
its vertices (where an affine function attains its extremes) and on many random
points; the parameter names of ``MLP.parameter_names``; autograd's own gradient and
Jacobian (tests/reference.py) for zero and equal rows of H; scipy's Wilson interval
and a root-finder on the score inequality for :func:`wilson_interval`.
"""

import itertools

import autograd
import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import binomtest

import canon
from canon import degeneracy as dg
from reference import random_points, reference_disparity

SPACE = canon.cube_space(8, 2, 2)


def _lattice(d, n):
    axis = np.linspace(0.0, 1.0, n)
    return np.stack(np.meshgrid(*([axis] * d), indexing="ij"), axis=-1).reshape(-1, d)


def _vertices(d):
    return np.array(list(itertools.product([0.0, 1.0], repeat=d)))


def _net_and_w(d, widths, activation="relu", seed=0, scheme="gaussian"):
    net = canon.MLP(d=d, widths=widths, activation=activation)
    return net, canon.initialize(net, seed, scheme=scheme)


# --- positions of a unit's parameters ------------------------------------


@pytest.mark.parametrize("widths, layer", [((5,), 0), ((4, 3), 0), ((4, 3), 1), ((3, 4, 2), 1)])
def test_unit_parameters_match_parameter_names(widths, layer):
    net = canon.MLP(d=2, widths=widths)
    names = net.parameter_names()
    inputs = net.layer_shapes[layer][1]
    outputs = net.layer_shapes[layer + 1][0]
    for j in range(net.widths[layer]):
        incoming, outgoing = dg.unit_parameters(net, layer, j)
        expected_in = [f"W{layer + 1}[{j},{i}]" for i in range(inputs)] + [f"b{layer + 1}[{j}]"]
        expected_out = [f"W{layer + 2}[{o},{j}]" for o in range(outputs)]
        assert [names[i] for i in incoming] == expected_in
        assert [names[i] for i in outgoing] == expected_out


# --- the vertex rule ----------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_first_layer_bounds_are_the_extremes_over_the_vertices_and_a_dense_lattice(d):
    net, w = _net_and_w(d, (40,), seed=d)
    low, high = dg.first_layer_bounds(net, w)
    z_vertices = net.hidden_preactivations(w, _vertices(d))[0]
    np.testing.assert_allclose(high, z_vertices.max(axis=0), rtol=0, atol=1e-14)
    np.testing.assert_allclose(low, z_vertices.min(axis=0), rtol=0, atol=1e-14)
    # a lattice holding the vertices and many random points never beat the bounds
    x = np.concatenate([_lattice(d, max(3, int(4096 ** (1 / d)))), random_points(np.random.default_rng(d), 5000, d)])
    z = net.hidden_preactivations(w, x)[0]
    assert np.all(z.max(axis=0) <= high + 1e-14)
    assert np.all(z.min(axis=0) >= low - 1e-14)
    np.testing.assert_allclose(z.max(axis=0), high, rtol=0, atol=1e-14)


@pytest.mark.parametrize("scheme", ["gaussian", "centred"])
def test_cuts_cube_is_a_sign_change_on_the_vertex_lattice(scheme):
    net, w = _net_and_w(2, (60,), scheme=scheme, seed=3)
    z = net.hidden_preactivations(w, _lattice(2, 11))[0]
    np.testing.assert_array_equal(dg.cuts_cube(net, w), (z.min(axis=0) < 0) & (z.max(axis=0) > 0))
    assert dg.cutting_fraction(net, w) == pytest.approx(np.mean(dg.cuts_cube(net, w)))


def test_centred_hyperplanes_all_cut_and_gaussian_ones_often_miss():
    net = canon.MLP(d=2, widths=(400,), activation="relu")
    assert dg.cutting_fraction(net, canon.initialize(net, 0, scheme="centred")) == 1.0
    assert 0.2 < dg.cutting_fraction(net, canon.initialize(net, 0, scheme="gaussian")) < 0.6


# --- dead units ---------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 3])
def test_dead_on_cube_first_layer_agrees_with_the_vertex_lattice(d):
    net, w = _net_and_w(d, (30,), seed=10 + d)
    w = dg.kill_units(net, w, [0, 4, 7])
    w = dg.kill_units(net, w, [1], margin=1e-9)  # dead by a hair
    z = net.hidden_preactivations(w, _lattice(d, 9))[0]
    dead = dg.dead_on_cube(net, w)
    np.testing.assert_array_equal(dead, np.all(z <= 0, axis=0))
    assert dead[[0, 1, 4, 7]].all()


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("widths, layer", [((6, 5), 1), ((4, 5, 3), 2)])
def test_deeper_bound_is_sound_and_tightens_with_the_lattice(widths, layer, activation):
    net, w = _net_and_w(2, widths, activation=activation, seed=4)
    x = np.concatenate([_lattice(2, 301), random_points(np.random.default_rng(0), 20000, 2)])
    best = net.hidden_preactivations(w, x)[layer].max(axis=0)
    coarse = dg.preactivation_max(net, w, layer, n=9)
    fine = dg.preactivation_max(net, w, layer, n=257)
    assert np.all(coarse >= best) and np.all(fine >= best)
    assert np.all(fine - best <= coarse - best + 1e-12)
    assert np.all(fine - best < 0.25 * (coarse - best) + 1e-12)


@pytest.mark.parametrize("widths, layer", [((6,), 0), ((6, 5), 0), ((6, 5), 1), ((4, 5, 3), 2)])
def test_kill_units_makes_exactly_those_units_dead(widths, layer):
    net, w = _net_and_w(2, widths, scheme="centred", seed=1)
    before = dg.dead_on_cube(net, w, layer)
    v = dg.kill_units(net, w, [0, 2], layer=layer, margin=0.5)
    after = dg.dead_on_cube(net, v, layer)
    expected = before.copy()
    expected[[0, 2]] = True
    np.testing.assert_array_equal(after, expected)
    # only the two biases changed
    changed = np.flatnonzero(v != w)
    bias = net.layer_slices()[layer][1]
    assert set(changed) <= {bias.start, bias.start + 2}
    # dead everywhere on a dense lattice and at random points
    x = np.concatenate([_lattice(2, 51), random_points(np.random.default_rng(2), 3000, 2)])
    assert np.all(net.hidden_preactivations(v, x)[layer][:, [0, 2]] <= -0.5 + 1e-12)


def test_kill_units_first_layer_puts_the_maximum_at_minus_margin():
    net, w = _net_and_w(3, (8,), seed=7)
    v = dg.kill_units(net, w, [3, 5], margin=2.0)
    np.testing.assert_allclose(dg.first_layer_bounds(net, v)[1][[3, 5]], -2.0, rtol=0, atol=1e-14)


@pytest.mark.parametrize("widths, layer", [((6,), 0), ((5, 4), 0), ((5, 4), 1)])
def test_dead_units_have_zero_rows_and_zero_gradients(widths, layer):
    """Against autograd: the rows of H (J^T E / N) and the gradient of Q vanish exactly."""
    net, w = _net_and_w(2, widths, scheme="centred", seed=2)
    v = dg.kill_units(net, w, [1, 3], layer=layer)
    rows = np.concatenate([np.r_[dg.unit_parameters(net, layer, j)] for j in (1, 3)])
    H = reference_disparity(net, v, SPACE)
    assert np.all(H[rows] == 0)
    np.testing.assert_array_equal(canon.disparity_matrix(net, v, SPACE)[rows], 0.0)
    x = random_points(np.random.default_rng(0), 15, 2)
    y = np.sin(3 * x[:, 0])
    grad = autograd.grad(lambda u: canon.objective("mse", y, net(u, x)))(v)
    assert np.all(grad[rows] == 0)
    assert np.linalg.norm(grad) > 0


def test_dead_on_data_but_alive_on_cube():
    net, w = _net_and_w(2, (5,), scheme="centred", seed=3)
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(400, 2))
    x = x[net.hidden_preactivations(w, x)[0][:, 0] < 0][:20]  # data on the inactive side of unit 0
    on_data = dg.dead_on_data(net, w, x)
    assert on_data[0] and not dg.dead_on_cube(net, w)[0]
    np.testing.assert_array_equal(on_data, np.all(net.hidden_preactivations(w, x)[0] <= 0, axis=0))
    # frozen by the data, yet its rows of H are not zero
    rows = np.r_[dg.unit_parameters(net, 0, 0)]
    y = np.cos(2 * x[:, 1])
    grad = autograd.grad(lambda u: canon.objective("mse", y, net(u, x)))(w)
    assert np.all(grad[rows] == 0)
    assert np.min(np.linalg.norm(reference_disparity(net, w, SPACE)[rows], axis=1)) > 1e-3


def test_dead_on_data_deeper_layer():
    net, w = _net_and_w(2, (4, 3), scheme="centred", seed=5)
    v = dg.kill_units(net, w, [1], layer=1)
    x = random_points(np.random.default_rng(1), 30, 2)
    assert dg.dead_on_data(net, v, x, layer=1)[1]


# --- duplicated units ---------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("widths, layer", [((6,), 0), ((5, 4), 0), ((5, 4), 1)])
def test_full_copies_are_detected_and_give_equal_rows(widths, layer, activation):
    net, w = _net_and_w(2, widths, activation=activation, scheme="centred", seed=6)
    v = dg.duplicate_unit(net, w, source=3, target=1, layer=layer, kind="full")
    np.testing.assert_array_equal(dg.duplicated_units(net, v, layer, kind="full"), [[1, 3]])
    assert dg.duplicated_units(net, v, layer, kind="incoming").shape == (0, 2)
    assert dg.duplicated_units(net, w, layer, kind="full").shape == (0, 2)
    (in1, out1), (in3, out3) = dg.unit_parameters(net, layer, 1), dg.unit_parameters(net, layer, 3)
    np.testing.assert_array_equal(v[in1], w[in3])
    np.testing.assert_array_equal(v[out1], w[out3])
    H = reference_disparity(net, v, SPACE)
    scale = np.abs(H).max()
    assert np.max(np.abs(H[in1] - H[in3])) <= 1e-14 * scale
    assert np.max(np.abs(H[out1] - H[out3])) <= 1e-14 * scale
    # equal gradients of Q (autograd)
    x = random_points(np.random.default_rng(1), 12, 2)
    grad = autograd.grad(lambda u: canon.objective("mse", np.sin(4 * x[:, 0]), net(u, x)))(v)
    np.testing.assert_allclose(grad[np.r_[in1, out1]], grad[np.r_[in3, out3]], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_incoming_copies_are_detected_and_give_proportional_rows(activation):
    net, w = _net_and_w(2, (6,), activation=activation, scheme="centred", seed=8)
    v = dg.duplicate_unit(net, w, source=0, target=4, kind="incoming")
    np.testing.assert_array_equal(dg.duplicated_units(net, v, kind="incoming"), [[0, 4]])
    assert dg.duplicated_units(net, v, kind="full").shape == (0, 2)
    (in0, out0), (in4, out4) = dg.unit_parameters(net, 0, 0), dg.unit_parameters(net, 0, 4)
    np.testing.assert_array_equal(v[out4], w[out4])
    H = reference_disparity(net, v, SPACE)
    # d f / d(incoming of j) = a_j sigma'(z) (x, 1): the two units' rows are proportional
    np.testing.assert_allclose(v[out4] * H[in0], v[out0] * H[in4], rtol=0, atol=1e-14 * np.abs(H).max())
    np.testing.assert_allclose(H[out0], H[out4], rtol=0, atol=1e-14 * np.abs(H).max())


def test_near_copies_need_a_tolerance():
    net, w = _net_and_w(2, (6,), scheme="centred", seed=9)
    v = dg.duplicate_unit(net, w, source=2, target=5, epsilon=1e-7, seed=1)
    assert dg.duplicated_units(net, v, kind="full").shape == (0, 2)
    np.testing.assert_array_equal(dg.duplicated_units(net, v, kind="full", atol=1e-5), [[2, 5]])
    (in2, out2), (in5, out5) = dg.unit_parameters(net, 0, 2), dg.unit_parameters(net, 0, 5)
    gap = np.abs(np.r_[v[in5], v[out5]] - np.r_[v[in2], v[out2]])
    assert 0 < gap.max() < 1e-6


def test_duplicate_unit_leaves_other_entries_alone():
    net, w = _net_and_w(3, (5, 4), seed=2)
    v = dg.duplicate_unit(net, w, source=0, target=3, layer=1, kind="incoming", epsilon=0.1)
    incoming, _ = dg.unit_parameters(net, 1, 3)
    np.testing.assert_array_equal(np.flatnonzero(v != w), incoming)


# --- the rank of H ------------------------------------------------------


@pytest.mark.parametrize("d, n", [(1, 301), (2, 21)])
@pytest.mark.parametrize("scheme", ["gaussian", "centred"])
def test_rank_never_exceeds_the_bound_and_the_cap(d, n, scheme):
    space = canon.full_space(n, d)
    net = canon.MLP(d=d, widths=(6,), activation="relu")
    cap = dg.relu_rank_cap(net)
    assert cap == 6 * (d + 1) + 1 < net.M
    equal = 0
    for seed in range(8):
        w = canon.initialize(net, seed, scheme=scheme)
        rank = canon.numerical_rank(canon.disparity_matrix(net, w, space), rtol=1e-10)
        bound = dg.relu_rank_bound(net, w)
        assert rank <= bound <= cap
        equal += rank == bound
    assert equal >= 6  # the bound is attained for almost every draw


def test_rank_cap_of_other_activations_is_M():
    net = canon.MLP(d=2, widths=(5,), activation="tanh")
    assert dg.relu_rank_cap(net) == net.M


def test_rank_bound_counts_dead_and_always_active_units():
    net = canon.MLP(d=2, widths=(4,), activation="relu")
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]])
    b = np.array([-0.5, 0.5, -3.0, -0.2])  # cuts, always active, dead, cuts
    w = net.pack([(W, b), (np.ones((1, 4)), np.zeros(1))])
    np.testing.assert_array_equal(dg.cuts_cube(net, w), [True, False, False, True])
    assert dg.relu_rank_bound(net, w) == 3 * 2 + 1 + 2
    rank = canon.numerical_rank(canon.disparity_matrix(net, w, canon.full_space(21, 2)), rtol=1e-10)
    assert rank == 9


def test_initialization_survey_matches_direct_computation():
    net = canon.MLP(d=2, widths=(8,), activation="relu")
    space = canon.cube_space(8, 2, 2)
    survey = dg.initialization_survey(net, space, draws=4, scheme="gaussian", rtol=1e-8, seed=10)
    assert set(survey) == {"rank", "singular", "sigma_ratio", "cutting_fraction", "rank_bound"}
    for i in range(4):
        w = canon.initialize(net, 10 + i, scheme="gaussian")
        H = canon.disparity_matrix(net, w, space)
        s = canon.singular_values(H)
        assert survey["rank"][i] == canon.numerical_rank(H, rtol=1e-8)
        assert survey["singular"][i] == (survey["rank"][i] < space.K)
        assert survey["sigma_ratio"][i] == pytest.approx(s[space.K - 1] / s[0], rel=1e-12, abs=1e-300)
        assert survey["cutting_fraction"][i] == dg.cutting_fraction(net, w)
        assert survey["rank_bound"][i] == dg.relu_rank_bound(net, w)


def test_initialization_survey_below_K_parameters():
    net = canon.MLP(d=2, widths=(2,), activation="tanh")  # M = 9 < K = 25
    survey = dg.initialization_survey(net, canon.cube_space(8, 2, 2), draws=3)
    assert "rank_bound" not in survey
    assert np.all(survey["singular"]) and np.all(survey["sigma_ratio"] == 0)


# --- Wilson's interval --------------------------------------------------


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("successes, trials", [(0, 1), (1, 1), (0, 200), (3, 200), (100, 200), (200, 200), (7, 13)])
def test_wilson_interval_matches_scipy(successes, trials, confidence):
    low, high = dg.wilson_interval(successes, trials, confidence)
    ref = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    assert low == pytest.approx(ref.low, abs=1e-12)
    assert high == pytest.approx(ref.high, abs=1e-12)
    assert isinstance(low, float) and isinstance(high, float)


@pytest.mark.parametrize("successes, trials", [(1, 10), (5, 10), (9, 10), (37, 200)])
def test_wilson_interval_solves_the_score_inequality(successes, trials):
    """The endpoints are the roots of (s/T - p)^2 = z^2 p (1 - p) / T."""
    z = 1.959963984540054
    phat = successes / trials
    score = lambda p: (phat - p) ** 2 - z**2 * p * (1 - p) / trials
    low, high = dg.wilson_interval(successes, trials, 0.95)
    assert low == pytest.approx(brentq(score, 0.0, phat), abs=1e-12)
    assert high == pytest.approx(brentq(score, phat, 1.0), abs=1e-12)
    assert low < phat < high


# --- bad input ----------------------------------------------------------

RELU = canon.MLP(d=2, widths=(4, 3), activation="relu")
W_RELU = np.zeros(RELU.M)
TANH = canon.MLP(d=2, widths=(4,), activation="tanh")
W_TANH = np.zeros(TANH.M)
X = np.full((3, 2), 0.5)

BAD = [
    ("not-a-net", lambda: dg.first_layer_bounds("net", W_RELU), TypeError, "net: expected a canon.MLP"),
    ("w-wrong-length", lambda: dg.cuts_cube(RELU, np.zeros(3)), ValueError, r"w: expected shape \(31,\)"),
    ("w-has-nan", lambda: dg.cutting_fraction(RELU, np.full(RELU.M, np.nan)), ValueError, "w: expected finite"),
    ("layer-too-deep", lambda: dg.preactivation_max(RELU, W_RELU, layer=2), ValueError, "layer: expected an integer <= 1"),
    ("layer-not-int", lambda: dg.dead_on_cube(RELU, W_RELU, layer=0.5), TypeError, "layer: expected an integer"),
    ("lattice-too-small", lambda: dg.preactivation_max(RELU, W_RELU, layer=1, n=1), ValueError, "n: expected an integer >= 2"),
    ("lattice-too-large", lambda: dg.preactivation_max(RELU, W_RELU, layer=1, n=5000), ValueError, "n: expected at most"),
    ("dead-tanh", lambda: dg.dead_on_cube(TANH, W_TANH), ValueError, "net: expected a ReLU network"),
    ("dead-on-data-tanh", lambda: dg.dead_on_data(TANH, W_TANH, X), ValueError, "net: expected a ReLU network"),
    ("data-wrong-dim", lambda: dg.dead_on_data(RELU, W_RELU, np.zeros((3, 5))), ValueError, "x: expected shape"),
    ("unknown-kind", lambda: dg.duplicated_units(RELU, W_RELU, kind="half"), ValueError, "kind: expected one of"),
    ("negative-atol", lambda: dg.duplicated_units(RELU, W_RELU, atol=-1.0), ValueError, "atol: expected a number >= 0"),
    ("kill-unit-out-of-range", lambda: dg.kill_units(RELU, W_RELU, [4]), ValueError, r"units\[0\]: expected an integer <= 3"),
    ("kill-repeated-units", lambda: dg.kill_units(RELU, W_RELU, [1, 1]), ValueError, "units: expected distinct"),
    ("kill-units-not-sequence", lambda: dg.kill_units(RELU, W_RELU, 1.5), TypeError, "units: expected a sequence"),
    ("kill-zero-margin", lambda: dg.kill_units(RELU, W_RELU, [0], margin=0.0), ValueError, "margin: expected a number > 0"),
    ("kill-tanh", lambda: dg.kill_units(TANH, W_TANH, [0]), ValueError, "net: expected a ReLU network"),
    ("copy-onto-itself", lambda: dg.duplicate_unit(RELU, W_RELU, 1, 1), ValueError, "target: expected a unit other than"),
    ("copy-source-out-of-range", lambda: dg.duplicate_unit(RELU, W_RELU, 9, 1), ValueError, "source: expected an integer <= 3"),
    ("copy-negative-epsilon", lambda: dg.duplicate_unit(RELU, W_RELU, 0, 1, epsilon=-1e-3), ValueError, "epsilon: expected a number >= 0"),
    ("copy-unknown-kind", lambda: dg.duplicate_unit(RELU, W_RELU, 0, 1, kind="outgoing"), ValueError, "kind: expected one of"),
    ("unit-out-of-range", lambda: dg.unit_parameters(RELU, 1, 3), ValueError, "unit: expected an integer <= 2"),
    ("cap-of-deep-net", lambda: dg.relu_rank_cap(RELU), ValueError, "net: expected a network with one hidden layer"),
    ("bound-of-tanh", lambda: dg.relu_rank_bound(TANH, W_TANH), ValueError, "net: expected a ReLU network"),
    ("bound-of-deep-net", lambda: dg.relu_rank_bound(RELU, W_RELU), ValueError, "net: expected a network with one hidden layer"),
    ("survey-no-space", lambda: dg.initialization_survey(TANH, None, 3), TypeError, "space: expected a canon.Space"),
    ("survey-wrong-d", lambda: dg.initialization_survey(TANH, canon.cube_space(8, 1, 2), 3), ValueError, "space: expected a grid in d = 2"),
    ("survey-zero-draws", lambda: dg.initialization_survey(TANH, SPACE, 0), ValueError, "draws: expected an integer >= 1"),
    ("survey-unknown-scheme", lambda: dg.initialization_survey(TANH, SPACE, 2, scheme="xavier"), ValueError, "scheme: expected one of"),
    ("survey-rtol-too-large", lambda: dg.initialization_survey(TANH, SPACE, 2, rtol=2.0), ValueError, "rtol: expected a number <= 1"),
    ("wilson-more-successes", lambda: dg.wilson_interval(5, 4), ValueError, "successes: expected an integer <= 4"),
    ("wilson-no-trials", lambda: dg.wilson_interval(0, 0), ValueError, "trials: expected an integer >= 1"),
    ("wilson-float-successes", lambda: dg.wilson_interval(0.5, 4), TypeError, "successes: expected an integer"),
    ("wilson-confidence-one", lambda: dg.wilson_interval(1, 4, 1.0), ValueError, "confidence: expected a number < 1"),
    ("wilson-confidence-zero", lambda: dg.wilson_interval(1, 4, 0.0), ValueError, "confidence: expected a number > 0"),
]


@pytest.mark.parametrize("call, error, match", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
