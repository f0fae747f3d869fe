"""Tests of canon.ntk: the empirical NTK Gram matrix and its compression onto span(Omega).

Independent routes: autograd's own Jacobian of the forward pass (tests/reference.py)
for the Gram matrix; the disparity matrix (FFT route) for the compression; the
orthogonality of the full space's basis for the spectra.
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
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
