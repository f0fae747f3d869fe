"""Tests of canon.ntk: the empirical NTK Gram matrix and its compression onto span(Omega).

Independent routes: autograd's own Jacobian of the forward pass (tests/reference.py)
for the Gram matrix; the disparity matrix (FFT route) for the compression; the
orthogonality of the full space's basis for the spectra. The closed-form kernels
(arc-cosine, the ReLU network's expected NTK) are checked against closed-form special
cases and against Monte-Carlo estimates: Gaussian samples for the arc-cosine kernels,
seeded initializations of canon's network for the NTK, with tolerances of five
standard errors of the estimate.
"""

import numpy as np
import pytest

import canon
from canon import ntk
from reference import jacobian_on_grid, random_points, relative_error

SPACES = {
    "d1-cube": lambda: canon.cube_space(16, 1, 5),
    "d1-full": lambda: canon.full_space(21, 1),
    "d2-cube": lambda: canon.cube_space(10, 2, 2),
    "d2-full": lambda: canon.full_space(7, 2),
}


def _net_and_w(d, widths, activation, seed=0):
    net = canon.MLP(d=d, widths=widths, activation=activation)
    w = canon.initialize(net, seed, scheme="centred", spread=0.2) + 0.1 * np.random.default_rng(seed).normal(size=net.M)
    return net, w


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("widths", [(4,), (3, 2)], ids=["depth1", "depth2"])
def test_gram_is_the_product_of_autograd_jacobians(activation, widths):
    net, w = _net_and_w(2, widths, activation)
    rng = np.random.default_rng(1)
    x, x_prime = random_points(rng, 6, 2), random_points(rng, 4, 2)
    J, J_prime = jacobian_on_grid(net, w, x), jacobian_on_grid(net, w, x_prime)
    gram = ntk.ntk_gram(net, w, x)
    assert gram.shape == (6, 6)
    assert relative_error(gram, J @ J.T) < 1e-13
    assert relative_error(ntk.ntk_gram(net, w, x, x_prime), J @ J_prime.T) < 1e-13
    np.testing.assert_allclose(gram, gram.T, rtol=0, atol=1e-14 * np.abs(gram).max())
    assert np.min(np.linalg.eigvalsh(gram)) > -1e-12 * np.abs(gram).max()


def test_cross_gram_is_a_block_of_the_joint_gram():
    net, w = _net_and_w(1, (5,), "tanh")
    x = random_points(np.random.default_rng(2), 7, 1)
    joint = ntk.ntk_gram(net, w, x)
    assert relative_error(ntk.ntk_gram(net, w, x[:3], x[3:]), joint[:3, 3:]) < 1e-15


@pytest.mark.parametrize("space_name", sorted(SPACES))
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_compression_is_H_transpose_H(activation, space_name):
    space = SPACES[space_name]()
    net, w = _net_and_w(space.grid.d, (6,), activation)
    H = canon.disparity_matrix(net, w, space, method="fft")
    compressed = ntk.compressed_ntk(net, w, space)
    assert compressed.shape == (space.K, space.K)
    assert relative_error(compressed, H.T @ H) < 1e-12


@pytest.mark.parametrize("d, n", [(1, 9), (2, 5)])
def test_full_space_spectrum_is_that_of_the_gram_over_N(d, n):
    space = canon.full_space(n, d)
    net, w = _net_and_w(d, (12,), "tanh")  # M >= N: generically positive definite
    gram = ntk.ntk_gram(net, w, space.grid.points)
    compressed = ntk.compressed_ntk(net, w, space)
    lam_gram = np.linalg.eigvalsh(gram) / space.grid.N
    lam_compressed = np.linalg.eigvalsh(compressed)
    np.testing.assert_allclose(lam_compressed, lam_gram, rtol=0, atol=1e-12 * lam_gram.max())
    sigma_min = canon.singular_values(canon.disparity_matrix(net, w, space))[-1]
    assert sigma_min**2 == pytest.approx(lam_gram[0], rel=1e-8)


def test_truncated_spectrum_interlaces_the_grid_spectrum():
    # E / sqrt(N) has orthonormal columns: Cauchy interlacing of the compression
    space = canon.cube_space(15, 1, 3)
    net, w = _net_and_w(1, (8,), "tanh")
    lam = np.linalg.eigvalsh(ntk.ntk_gram(net, w, space.grid.points) / space.grid.N)[::-1]
    mu = np.linalg.eigvalsh(ntk.compressed_ntk(net, w, space))[::-1]
    N, K = space.grid.N, space.K
    slack = 1e-12 * lam[0]
    assert np.all(mu <= lam[:K] + slack)
    assert np.all(mu >= lam[N - K :] - slack)


# --- the arc-cosine kernels and the ReLU network's expected NTK ----------------


def test_arc_cosine_closed_forms():
    u = np.array([[3.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    k0 = ntk.arc_cosine_kernel(u, degree=0)
    k1 = ntk.arc_cosine_kernel(u, degree=1)
    # equal vectors: t = 0
    np.testing.assert_allclose(np.diag(k0)[[0, 1, 2, 4]], 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.diag(k1), [9.0, 4.0, 9.0, 0.0, 2.0], rtol=1e-15)
    # orthogonal: t = pi/2, k0 = 1/2, k1 = |u||v| / pi
    assert k0[0, 1] == pytest.approx(0.5, abs=1e-15)
    assert k1[0, 1] == pytest.approx(6.0 / np.pi, rel=1e-15)
    # antipodal: t = pi, both vanish
    assert k0[0, 2] == pytest.approx(0.0, abs=1e-15)
    assert k1[0, 2] == pytest.approx(0.0, abs=1e-14)
    # 45 degrees: k0 = 3/4, k1 = |u||v| (sin + 3pi/4 cos)(pi/4) / pi
    assert k0[0, 4] == pytest.approx(0.75, rel=1e-15)
    expected = 3 * np.sqrt(2) * (np.sqrt(0.5) + 0.75 * np.pi * np.sqrt(0.5)) / np.pi
    assert k1[0, 4] == pytest.approx(expected, rel=1e-14)
    # a zero vector: both 0 (the step function is 0 at 0)
    assert np.all(k0[3] == 0) and np.all(k1[3] == 0)
    np.testing.assert_array_equal(k0, k0.T)
    assert relative_error(ntk.arc_cosine_kernel(u[:2], u[2:], degree=1), k1[:2, 2:]) < 1e-15


def test_arc_cosine_angle_is_accurate_for_nearly_parallel_vectors():
    # t = 1e-9: arccos of the cosine would give an error of order 1e-8 in t
    u, v = np.array([[1.0, 0.0]]), np.array([[np.cos(1e-9), np.sin(1e-9)]])
    assert 1.0 - ntk.arc_cosine_kernel(u, v, degree=0)[0, 0] == pytest.approx(1e-9 / np.pi, rel=1e-6)


@pytest.mark.parametrize("degree", [0, 1])
def test_arc_cosine_against_monte_carlo(degree):
    rng = np.random.default_rng(3)
    u = rng.normal(size=(4, 3))
    g = rng.normal(size=(200_000, 3))
    s = (g @ u.T > 0) * (g @ u.T) ** degree  # step (degree 0) or ReLU (degree 1)
    products = 2.0 * s[:, :, None] * s[:, None, :]
    estimate = products.mean(axis=0)
    stderr = products.std(axis=0) / np.sqrt(len(g))
    exact = ntk.arc_cosine_kernel(u, degree=degree)
    assert np.all(np.abs(estimate - exact) < 5 * stderr + 1e-15)


def _block_grams(net, w, x):
    J = canon.per_sample_gradients(net, w, x)
    hidden = net.layer_slices()[0][1].stop  # W_1 then b_1 come first in w
    return J[:, :hidden] @ J[:, :hidden].T, J[:, hidden:] @ J[:, hidden:].T


@pytest.mark.parametrize("d, scale, bias_scale, output_scale", [(1, 4.0, 1.0, 1.0), (2, 1.5, 0.5, 2.0)])
def test_relu_ntk_is_the_expected_kernel_over_initializations(d, scale, bias_scale, output_scale):
    # the expectation is exact at every width: a narrow net and many seeds
    width, seeds = 6, 3000
    net = canon.MLP(d=d, widths=(width,), activation="relu")
    x = random_points(np.random.default_rng(4), 5, d)
    samples = {"hidden": [], "output": []}
    for seed in range(seeds):
        w = canon.initialize(net, seed, scheme="gaussian", scale=scale, bias_scale=bias_scale,
                             output_scale=output_scale)
        hidden, output = _block_grams(net, w, x)
        samples["hidden"].append(hidden)
        samples["output"].append(output)
    settings = {"width": width, "scale": scale, "bias_scale": bias_scale, "output_scale": output_scale}
    for layers, values in samples.items():
        values = np.array(values)
        stderr = values.std(axis=0) / np.sqrt(seeds)
        exact = ntk.relu_ntk_limit(x, **settings, layers=layers)
        assert np.all(np.abs(values.mean(axis=0) - exact) < 5 * stderr + 1e-12), layers
    total = ntk.relu_ntk_limit(x, **settings)
    parts = ntk.relu_ntk_limit(x, **settings, layers="hidden") + ntk.relu_ntk_limit(
        x, **settings, layers="output")
    assert relative_error(total, parts) < 1e-15


def test_relu_ntk_closed_form_without_biases():
    # bias_scale = 0 and x, x' > 0 in d = 1: every unit's sign is that of W_j, t = 0
    x = np.array([[0.2], [0.5], [0.9]])
    width, scale, output_scale = 7, 3.0, 0.5
    settings = {"width": width, "scale": scale, "bias_scale": 0.0, "output_scale": output_scale}
    xx = x @ x.T
    np.testing.assert_allclose(ntk.relu_ntk_limit(x, **settings, layers="output"),
                               1 + width * scale**2 * xx / 2, rtol=1e-14)
    np.testing.assert_allclose(ntk.relu_ntk_limit(x, **settings, layers="hidden"),
                               output_scale**2 * (xx + 1) / 2, rtol=1e-14)


def test_relu_ntk_cross_kernel_is_a_block():
    x = random_points(np.random.default_rng(5), 6, 2)
    joint = ntk.relu_ntk_limit(x, width=10)
    assert relative_error(ntk.relu_ntk_limit(x[:2], x[2:], width=10), joint[:2, 2:]) < 1e-15
    assert np.min(np.linalg.eigvalsh(joint)) > 0


def test_wide_network_approaches_the_limit_at_the_rate_one_over_root_width():
    x = random_points(np.random.default_rng(6), 8, 1)
    errors = {}
    for width in (64, 4096):
        net = canon.MLP(d=1, widths=(width,), activation="relu")
        e = []
        for seed in range(4):
            w = canon.initialize(net, seed, scheme="gaussian")
            hidden, output = _block_grams(net, w, x)
            e.append([relative_error(hidden, ntk.relu_ntk_limit(x, width=width, layers="hidden")),
                      relative_error(output, ntk.relu_ntk_limit(x, width=width, layers="output"))])
        errors[width] = np.mean(e, axis=0)
    ratio = errors[64] / errors[4096]  # 8 for m^(-1/2)
    assert np.all((ratio > 3) & (ratio < 20)), ratio
    assert np.all(errors[4096] < 0.05), errors[4096]


NET = canon.MLP(d=2, widths=(3,), activation="tanh")
W = canon.initialize(NET, 0)
X = random_points(np.random.default_rng(0), 4, 2)


@pytest.mark.parametrize(
    "call, error, match",
    [
        pytest.param(lambda: ntk.ntk_gram("net", W, X), TypeError, r"^net: expected a canon\.MLP", id="net-not-an-MLP"),
        pytest.param(lambda: ntk.ntk_gram(NET, W[:-1], X), ValueError, r"^w: expected shape \(13,\)", id="w-wrong-length"),
        pytest.param(lambda: ntk.ntk_gram(NET, W, X[:, :1]), ValueError, r"^x: expected shape", id="x-wrong-dimension"),
        pytest.param(lambda: ntk.ntk_gram(NET, W, X, X[:, 0]), ValueError, r"^x: expected an array with 2 dimension", id="x-prime-one-dimensional"),
        pytest.param(lambda: ntk.ntk_gram(NET, W, np.full((2, 2), np.inf)), ValueError, r"^x: expected finite values", id="x-infinite"),
        pytest.param(lambda: ntk.compressed_ntk(NET, W, "space"), TypeError, r"^space: expected a canon\.Space", id="space-not-a-Space"),
        pytest.param(lambda: ntk.compressed_ntk(NET, W, canon.full_space(5, 1)), ValueError, r"^space: expected a grid in d = 2", id="space-wrong-dimension"),
        pytest.param(lambda: ntk.compressed_ntk(NET, W, canon.cube_space(100, 2, 3)), ValueError, r"^space: expected a grid of at most 2\*\*13 points", id="grid-too-large"),
        pytest.param(lambda: ntk.compressed_ntk(NET, np.full(13, np.nan), canon.full_space(5, 2)), ValueError, r"^w: expected finite values", id="w-nan"),
        pytest.param(lambda: ntk.arc_cosine_kernel(X, degree=2), ValueError, r"^degree: expected 0 or 1", id="degree-2"),
        pytest.param(lambda: ntk.arc_cosine_kernel(X, degree=True), ValueError, r"^degree: expected 0 or 1", id="degree-bool"),
        pytest.param(lambda: ntk.arc_cosine_kernel(X[:, 0]), ValueError, r"^u: expected an array with 2 dimension", id="u-one-dimensional"),
        pytest.param(lambda: ntk.arc_cosine_kernel(X, X[:, :1]), ValueError, r"^v: expected shape \(any, 2\)", id="v-wrong-width"),
        pytest.param(lambda: ntk.arc_cosine_kernel(np.zeros((0, 2))), ValueError, r"^u: expected a non-empty", id="u-empty"),
        pytest.param(lambda: ntk.arc_cosine_kernel(np.full((2, 2), np.nan)), ValueError, r"^u: expected finite values", id="u-nan"),
        pytest.param(lambda: ntk.relu_ntk_limit(X), TypeError, r"width", id="width-missing"),
        pytest.param(lambda: ntk.relu_ntk_limit(X, width=0), ValueError, r"^width: expected an integer >= 1", id="width-zero"),
        pytest.param(lambda: ntk.relu_ntk_limit(X, width=2.5), TypeError, r"^width: expected an integer", id="width-float"),
        pytest.param(lambda: ntk.relu_ntk_limit(X, X[:, :1], width=4), ValueError, r"^x_prime: expected shape \(any, 2\)", id="x-prime-wrong-dimension"),
        pytest.param(lambda: ntk.relu_ntk_limit(X, width=4, scale=0.0), ValueError, r"^scale: expected a number > 0", id="scale-zero"),
        pytest.param(lambda: ntk.relu_ntk_limit(X, width=4, bias_scale=-1.0), ValueError, r"^bias_scale: expected a number >= 0", id="bias-scale-negative"),
        pytest.param(lambda: ntk.relu_ntk_limit(X, width=4, output_scale=np.inf), ValueError, r"^output_scale: expected a finite number", id="output-scale-infinite"),
        pytest.param(lambda: ntk.relu_ntk_limit(X, width=4, layers="first"), ValueError, r"^layers: expected one of 'all', 'hidden', 'output'", id="layers-unknown"),
        pytest.param(lambda: ntk.relu_ntk_limit(np.full((2, 2), np.inf), width=4), ValueError, r"^x: expected finite values", id="x-infinite-limit"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
