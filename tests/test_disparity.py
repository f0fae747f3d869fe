"""Tests of canon.disparity: the disparity matrix H(w) (eq. 8) and eq. (9).

Independent route: ``reference_disparity`` of tests/reference.py, autograd's Jacobian on
the grid times the real basis summed directly (no FFT, no hand-written backward pass).
"""

import functools

import numpy as np
import pytest

import canon
import canon.disparity
import canon._separable
from reference import direct_coefficients, jacobian_on_grid, reference_disparity, relative_error

ACTIVATIONS = sorted(canon.ACTIVATIONS)
WIDTHS = [(5,), (4, 3), (3, 4, 2)]
# 'auto' picks 'contract' for the small cubes (K < 4 log2 N), 'separable' for the
# d = 2 spaces with few frequencies per axis and 'fft' for the d = 1 full space
SPACES = {
    "d2-mid": lambda: canon.cube_space(24, 2, 3),
    "d1-cube": lambda: canon.cube_space(16, 1, 5),
    "d1-full": lambda: canon.full_space(21, 1),
    "d2-cube": lambda: canon.cube_space(10, 2, 1),
    "d2-full": lambda: canon.full_space(7, 2),
}
METHODS = ["fft", "contract", "separable", "autograd", "auto"]


@functools.lru_cache(maxsize=None)
def _setting(activation, widths, space_name):
    """(net, w, space, reference H), computed once per setting."""
    space = SPACES[space_name]()
    net = canon.MLP(d=space.grid.d, widths=widths, activation=activation)
    w = canon.initialize(net, seed=len(widths), scheme="centred", spread=0.2)
    w = w + 0.1 * np.random.default_rng(0).normal(size=net.M)  # non-zero output bias too
    return net, w, space, reference_disparity(net, w, space)


def _agree(H, reference):
    """Entry-wise to 1e-10 of the largest entry, and 1e-12 in norm."""
    scale = np.max(np.abs(reference))
    return np.max(np.abs(H - reference)) < 1e-10 * scale and relative_error(H, reference) < 1e-12


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("space_name", sorted(SPACES))
@pytest.mark.parametrize("widths", WIDTHS, ids=["depth1", "depth2", "depth3"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_method_equals_the_reference(activation, widths, space_name, method):
    net, w, space, reference = _setting(activation, widths, space_name)
    H = canon.disparity_matrix(net, w, space, method=method)
    assert H.shape == (net.M, space.K)
    assert _agree(H, reference)


@pytest.mark.parametrize("method", ["fft", "contract", "separable"])
@pytest.mark.parametrize("space_name", sorted(SPACES))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_small_blocks_give_the_same_H(activation, space_name, method):
    net, w, space, reference = _setting(activation, (3, 4, 2), space_name)
    H = canon.disparity_matrix(net, w, space, method=method, block_elements=7)
    assert _agree(H, reference)
    np.testing.assert_allclose(H, canon.disparity_matrix(net, w, space, method=method), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("space_name", sorted(SPACES))
def test_auto_takes_the_route_of_least_estimated_cost(space_name, workers, monkeypatch):
    net, w, space, _ = _setting("tanh", (5,), space_name)
    costs = canon.route_costs(net, space, workers)
    used = []
    for name in ("_rows_fft", "_rows_contract", "_disparity_separable"):
        original = getattr(canon.disparity, name)
        monkeypatch.setattr(canon.disparity, name, lambda *args, _f=original, _n=name: used.append(_n) or _f(*args))
    canon.disparity_matrix(net, w, space, workers=workers)
    expected = {"fft": "_rows_fft", "contract": "_rows_contract", "separable": "_disparity_separable"}
    assert set(used) == {expected[min(costs, key=costs.get)]}


def test_threads_divide_the_separable_estimate_only():
    net, _, space, _ = _setting("tanh", (5,), "d2-mid")
    one, four = canon.route_costs(net, space, 1), canon.route_costs(net, space, 4)
    assert four["separable"] == pytest.approx(one["separable"] / 4)
    assert (four["fft"], four["contract"]) == (one["fft"], one["contract"])


def test_small_problems_run_on_one_thread(monkeypatch):
    seen = []
    original = canon.disparity._disparity_separable
    monkeypatch.setattr(canon.disparity, "_disparity_separable",
                        lambda *args: seen.append(args[-1]) or original(*args))
    net, w, space, _ = _setting("tanh", (5,), "d2-mid")
    assert canon.route_costs(net, space)["separable"] < canon.disparity.THREADS_FROM
    canon.disparity_matrix(net, w, space, method="separable", workers=4)
    assert seen == [1]


@pytest.mark.parametrize("space, route", [
    (canon.cube_space(64, 2, 7), "separable"),          # low cube on a fine grid
    (canon.full_space(31, 2), "separable"),             # d = 2: r = 31 against log2 N = 10
    (canon.full_space(1023, 1), "fft"),                 # d = 1, every frequency
    (canon.Space(canon.midpoint_grid(64, 2), canon.Omega(2, np.array([[20, 0], [0, 20]]))), "contract"),
], ids=["cube", "full-2d", "full-1d", "two-high-frequencies"])
def test_route_costs_rank_the_routes_as_measured(space, route):
    """The order bench/ measured: the cheapest estimate is the fastest route."""
    net = canon.MLP(d=space.grid.d, widths=(64, 64), activation="tanh")
    costs = canon.route_costs(net, space)
    assert min(costs, key=costs.get) == route


def test_separable_cost_counts_its_products():
    net = canon.MLP(d=2, widths=(8,), activation="tanh")
    space = canon.cube_space(16, 2, 3)
    r, N, n = 7, 256, 16
    expected = 2.0 * net.M * N * r + 2.0 * net.M * N * r**2 / n + canon.disparity.GATHER_COST * 2 * net.M * space.K
    assert canon.route_costs(net, space)["separable"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("omega", [
    canon.ball(2, 3),
    canon.Omega(2, np.array([[0, 3], [2, -1], [1, 1]])),
    canon.Omega(2, np.array([[3, -3]])),
], ids=["ball", "scattered", "one-diagonal"])
@pytest.mark.parametrize("n", [12, 13])
def test_separable_route_on_sets_that_are_not_cubes(omega, n):
    space = canon.Space(canon.midpoint_grid(n, 2), omega)
    net = canon.MLP(d=2, widths=(5, 4), activation="sigmoid")
    w = canon.initialize(net, 3, scheme="centred")
    reference = reference_disparity(net, w, space)
    for block in (5, None):
        H = canon.disparity_matrix(net, w, space, method="separable", block_elements=block)
        assert _agree(H, reference)


@pytest.mark.parametrize("d, B", [(1, 3), (2, 2), (3, 1), (2, 0)])
def test_tensor_map_rebuilds_the_real_basis(d, B):
    """Products of the 1-d axis functions, combined by the map, equal basis_matrix."""
    from canon import _separable
    n = 9
    space = canon.cube_space(n, d, B)
    R = _separable.axis_functions(n, B)
    index, weight = _separable.tensor_to_real(space.omega, B)
    grid_index = np.indices((n,) * d).reshape(d, -1).T
    products = np.ones((space.grid.N, (2 * B + 1) ** d))
    for t, combo in enumerate(np.ndindex(*((2 * B + 1,) * d))):
        for j in range(d):
            products[:, t] *= R[grid_index[:, j], combo[j]]
    rebuilt = sum(products[:, index[s]] * weight[s] for s in range(len(index)))
    np.testing.assert_allclose(rebuilt, canon.basis_matrix(space.omega, space.grid.points), atol=1e-13)


@pytest.mark.parametrize("d, B, n", [(1, 3, 9), (2, 2, 9), (2, 3, 12), (3, 1, 5)])
def test_separable_basis_rebuilds_the_real_basis(d, B, n):
    """The public separable_basis: its products, combined by its map, equal basis_matrix."""
    space = canon.cube_space(n, d, B)
    R, index, weight = canon.disparity.separable_basis(space)
    assert R.shape == (n, 2 * B + 1) and index.shape == weight.shape == (2 ** (d - 1), space.K)
    t = (np.arange(n) + 0.5) / n                       # the midpoints, written out
    q = np.arange(1, B + 1)
    np.testing.assert_allclose(R[:, 1:B + 1], np.cos(2 * np.pi * np.outer(t, q)), atol=1e-15)
    np.testing.assert_allclose(R[:, B + 1:], np.sin(2 * np.pi * np.outer(t, q)), atol=1e-15)
    grid_index = np.indices((n,) * d).reshape(d, -1).T
    products = np.ones((space.grid.N, (2 * B + 1) ** d))
    for column, combo in enumerate(np.ndindex(*((2 * B + 1,) * d))):
        for j in range(d):
            products[:, column] *= R[grid_index[:, j], combo[j]]
    rebuilt = sum(products[:, index[s]] * weight[s] for s in range(len(index)))
    np.testing.assert_allclose(rebuilt, canon.basis_matrix(space.omega, space.grid.points), atol=1e-13)


def test_separable_basis_checks_its_argument():
    with pytest.raises(TypeError):
        canon.disparity.separable_basis("not a space")


@pytest.mark.parametrize("space_name", ["d2-mid", "d2-full", "d1-cube"])
def test_threads_give_the_same_H_bit_for_bit(space_name, monkeypatch):
    monkeypatch.setattr(canon.disparity, "THREADS_FROM", 0.0)     # threads even on a small problem
    net, w, space, reference = _setting("tanh", (3, 4, 2), space_name)
    one = canon.disparity_matrix(net, w, space, method="separable", workers=1, block_elements=16)
    for workers in (2, 3):
        many = canon.disparity_matrix(net, w, space, method="separable", workers=workers, block_elements=16)
        np.testing.assert_array_equal(many, one)
    assert _agree(one, reference)


def test_separable_route_holds_blas_to_one_thread_while_threads_run(monkeypatch):
    import threadpoolctl
    monkeypatch.setattr(canon.disparity, "THREADS_FROM", 0.0)
    seen = []
    original = canon._separable.layer_rows

    def spy(*args):
        seen.append(max(info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"))
        return original(*args)

    monkeypatch.setattr(canon._separable, "layer_rows", spy)
    net, w, space, _ = _setting("tanh", (5,), "d2-mid")
    canon.disparity_matrix(net, w, space, method="separable", workers=2)
    assert seen and set(seen) == {1}


@pytest.mark.parametrize("widths", [(40, 40), (3, 40)], ids=["square", "swapped"])
@pytest.mark.parametrize("workers", [1, 2])
def test_wide_factors_in_tiles_give_the_same_H_bit_for_bit(widths, workers, monkeypatch):
    # a cache of 2000 values makes the route take the wide factor in tiles of a few columns
    space = canon.cube_space(16, 2, 3)
    net = canon.MLP(d=2, widths=widths, activation="tanh")
    w = canon.initialize(net, seed=1, scheme="centred", spread=0.2)
    monkeypatch.setattr(canon.disparity, "THREADS_FROM", 0.0)
    whole = canon.disparity_matrix(net, w, space, method="separable", workers=workers)
    monkeypatch.setattr(canon._separable, "TILE_CACHE", 2000)
    tiled = canon.disparity_matrix(net, w, space, method="separable", workers=workers)
    np.testing.assert_array_equal(tiled, whole)
    assert _agree(whole, reference_disparity(net, w, space))


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_touched_first_and_threaded_backward_pass_give_the_same_H(workers, monkeypatch):
    import threadpoolctl
    net, w, space, reference = _setting("tanh", (3, 4, 2), "d2-mid")
    monkeypatch.setattr(canon.disparity, "THREADS_FROM", 0.0)
    plain = canon.disparity_matrix(net, w, space, method="separable", workers=workers)
    monkeypatch.setattr(canon._separable, "PREFAULT_FROM", 0)
    monkeypatch.setattr(canon.disparity, "FACTOR_THREADS_FROM", 0)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        touched = canon.disparity_matrix(net, w, space, method="separable", workers=workers)
    np.testing.assert_array_equal(touched, plain)
    assert _agree(touched, reference)


def test_empty_output_touches_large_arrays_in_threads(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(canon._separable, "PREFAULT_FROM", 1000)
    with ThreadPoolExecutor(2) as pool:
        out = canon._separable.empty_output(3, 1001, pool, 2)
    assert out.shape == (3, 1001) and not out.any()
    assert canon._separable.empty_output(2, 5).shape == (2, 5)


def test_truncated_H_is_a_set_of_columns_of_the_full_H():
    full, small = canon.full_space(9, 2), canon.cube_space(9, 2, 2)
    net = canon.MLP(d=2, widths=(6,), activation="softplus")
    w = canon.initialize(net, 0)
    H_full = canon.disparity_matrix(net, w, full)
    columns = [full.omega.labels.index(label) for label in small.omega.labels]
    np.testing.assert_allclose(canon.disparity_matrix(net, w, small), H_full[:, columns], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("n, d, widths", [(31, 1, (6,)), (9, 2, (5, 4)), (7, 2, (8,))])
def test_singular_values_in_the_full_space(activation, n, d, widths):
    """Discrete-exact setting: sigma(H) = sigma(J) / sqrt(N), so rank H = rank J."""
    space = canon.full_space(n, d)
    net = canon.MLP(d=d, widths=widths, activation=activation)
    w = canon.initialize(net, 1, scheme="centred")
    H = canon.disparity_matrix(net, w, space)
    s_H = canon.singular_values(H)
    s_J = np.linalg.svd(jacobian_on_grid(net, w, space.grid.points), compute_uv=False) / np.sqrt(space.grid.N)
    assert np.max(np.abs(s_H - s_J)) < 1e-12 * s_J[0]
    assert canon.numerical_rank(H) == np.linalg.matrix_rank(jacobian_on_grid(net, w, space.grid.points))


def _training_set(space, T, loss, seed):
    rng = np.random.default_rng(seed)
    x = space.grid.points[rng.choice(space.grid.N, size=T, replace=False)]
    y = rng.normal(size=T) if loss == "mse" else rng.uniform(size=T)
    return x, y


@pytest.mark.parametrize("loss", canon.LOSSES)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("n, d, widths", [(15, 1, (6,)), (7, 2, (4, 3))])
def test_gradient_identity_holds_in_the_discrete_exact_setting(loss, activation, n, d, widths):
    """Eq. (9) to round-off: full space (K = N, odd n) and training points on the grid."""
    space = canon.full_space(n, d)
    net = canon.MLP(d=d, widths=widths, activation=activation)
    w = canon.initialize(net, 2, scheme="centred")
    x, y = _training_set(space, 8, loss, seed=3)
    lhs, rhs = canon.gradient_identity(net, w, x, y, loss, space)
    # the left side is the chain rule through the data: J(x)^T l'(y, f(x))
    expected = jacobian_on_grid(net, w, x).T @ canon.loss_derivative(loss, y, net(w, x))
    assert relative_error(lhs, expected) < 1e-13
    assert relative_error(rhs, lhs) < 1e-12
    # a precomputed H gives the same right side
    _, rhs_given = canon.gradient_identity(net, w, x, y, loss, space, H=canon.disparity_matrix(net, w, space))
    np.testing.assert_allclose(rhs_given, rhs, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("loss", canon.LOSSES)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("space_name", ["d1-cube", "d2-cube"])
def test_gradient_identity_has_a_truncation_residual_off_the_grid(loss, activation, space_name):
    """Remark 2: off the grid with a truncated Omega eq. (9) is not exact, so the test above can fail."""
    space = SPACES[space_name]()
    d = space.grid.d
    net = canon.MLP(d=d, widths=(6,), activation=activation)
    w = canon.initialize(net, 2, scheme="centred")
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(8, d))
    y = rng.normal(size=8) if loss == "mse" else rng.uniform(size=8)
    lhs, rhs = canon.gradient_identity(net, w, x, y, loss, space)
    assert relative_error(rhs, lhs) > 1e-6


@pytest.mark.parametrize("loss", canon.LOSSES)
@pytest.mark.parametrize("space_name", ["d1-cube", "d2-full"])
def test_gradient_identity_right_side_is_H_times_the_canonical_gradient(loss, space_name):
    """The right side is H grad_theta Q at theta(w), i.e. with f_Omega (not f_w) at the data."""
    space = SPACES[space_name]()
    d = space.grid.d
    net = canon.MLP(d=d, widths=(4, 3), activation="softplus")
    w = canon.initialize(net, 5, scheme="centred")
    rng = np.random.default_rng(6)
    x = rng.uniform(size=(7, d))
    y = rng.normal(size=7) if loss == "mse" else rng.uniform(size=7)
    theta = direct_coefficients(net(w, space.grid.points), space.omega, space.grid.points)
    phi = canon.basis_matrix(space.omega, x)
    expected = reference_disparity(net, w, space) @ (phi.T @ canon.loss_derivative(loss, y, phi @ theta))
    _, rhs = canon.gradient_identity(net, w, x, y, loss, space)
    assert relative_error(rhs, expected) < 1e-12


def test_gradient_identity_needs_the_full_space_even_on_the_grid():
    space = canon.cube_space(15, 1, 3)
    net = canon.MLP(d=1, widths=(6,), activation="tanh")
    w = canon.initialize(net, 2, scheme="centred")
    x, y = _training_set(space, 8, "mse", seed=3)
    lhs, rhs = canon.gradient_identity(net, w, x, y, "mse", space)
    assert relative_error(rhs, lhs) > 1e-6


# --- singular values and numerical rank --------------------------------------


def _matrix_with_singular_values(s, M, K, seed=0):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.normal(size=(M, M)))[0][:, : len(s)]
    V = np.linalg.qr(rng.normal(size=(K, K)))[0][:, : len(s)]
    return (U * s) @ V.T


@pytest.mark.parametrize("rank", [1, 3, 7, 20])
def test_numerical_rank_of_matrices_of_known_rank(rank):
    s = np.linspace(2.0, 0.5, rank)
    A = _matrix_with_singular_values(s, 30, 20)
    assert canon.numerical_rank(A) == rank
    assert canon.numerical_rank(A.T) == rank
    expected = np.concatenate([s, np.zeros(20 - rank)])
    assert np.max(np.abs(canon.singular_values(A) - expected)) < 1e-14 * 30


def test_numerical_rank_follows_the_tolerance():
    s = np.logspace(0, -8, 9)  # 1, 1e-1, ..., 1e-8
    A = _matrix_with_singular_values(s, 12, 10)
    assert canon.numerical_rank(A) == 9
    assert canon.numerical_rank(A, rtol=10**-4.5) == 5
    assert canon.numerical_rank(A, rtol=10**-0.5) == 1


def test_numerical_rank_of_zero_is_zero():
    assert canon.numerical_rank(np.zeros((4, 3))) == 0


def test_dead_relu_unit_gives_zero_rows_and_loses_rank():
    """Section 3.3.1: a unit inactive on all of U contributes zero rows to H."""
    space = canon.full_space(9, 2)
    net = canon.MLP(d=2, widths=(4,), activation="relu")
    layers = [(np.array(W), np.array(b)) for W, b in net.unpack(canon.initialize(net, 0, "centred"))]
    layers[0][0][2], layers[0][1][2] = [1.0, 1.0], -5.0  # unit 2: x1 + x2 - 5 < 0 on U
    w = net.pack(layers)
    H = canon.disparity_matrix(net, w, space)
    (W1, b1), (W2, _) = net.layer_slices()[0], net.layer_slices()[1]
    dead = [W1.start + 4, W1.start + 5, b1.start + 2, W2.start + 2]
    np.testing.assert_array_equal(H[dead], 0.0)
    alive = canon.numerical_rank(np.delete(H, dead, axis=0))
    assert canon.numerical_rank(H) == alive


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_separable_route_in_three_dimensions(activation):
    net = canon.MLP(d=3, widths=(4, 3), activation=activation)
    w = canon.initialize(net, 2, scheme="centred")
    space = canon.cube_space(7, 3, 2)
    reference = reference_disparity(net, w, space)
    for block in (7, 2**23):
        H = canon.disparity_matrix(net, w, space, method="separable", block_elements=block)
        assert relative_error(H, reference) < 1e-12

