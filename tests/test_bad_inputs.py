"""Bad inputs: one parametrized test per public function of canon.

Each case is named after the mistake (its test id) and matches the error message, which
always has the shape ``<argument>: expected <what>, got <what was given>``.
"""

import numpy as np
import pytest

import canon
import canon.plots

NAN, INF = float("nan"), float("inf")
NET = canon.MLP(d=2, widths=(3,), activation="tanh")  # M = 13
W = canon.initialize(NET, 0)
RELU = canon.MLP(d=2, widths=(3,), activation="relu")
W_RELU = canon.initialize(RELU, 0)
SPACE = canon.cube_space(8, 2, 2)  # N = 64, K = 25
SPACE_1D = canon.cube_space(8, 1, 2)
X = np.random.default_rng(0).uniform(size=(5, 2))
Y = np.random.default_rng(1).uniform(size=5)
F = np.random.default_rng(2).normal(size=64)


def _with(array, index, value):
    array = np.array(array, dtype=np.float64)
    array[index] = value
    return array


def case(mistake, call, error, match):
    return pytest.param(call, error, match, id=mistake)


def check(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- canon.fourier -------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("n-not-an-integer", lambda: canon.midpoint_grid(4.0, 2), TypeError, r"^n: expected an integer, got 4\.0"),
        case("n-a-bool", lambda: canon.midpoint_grid(True, 1), TypeError, r"^n: expected an integer, got True"),
        case("n-a-string", lambda: canon.midpoint_grid("8", 1), TypeError, r"^n: expected an integer, got '8'"),
        case("n-below-2", lambda: canon.midpoint_grid(1, 2), ValueError, r"^n: expected an integer >= 2, got 1"),
        case("d-zero", lambda: canon.midpoint_grid(4, 0), ValueError, r"^d: expected an integer >= 1, got 0"),
        case("too-many-points", lambda: canon.midpoint_grid(2**14, 2), ValueError, r"^n\*\*d: expected at most 2\*\*26 grid points"),
    ],
)
def test_midpoint_grid_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("B-negative", lambda: canon.cube(2, -1), ValueError, r"^B: expected an integer >= 0, got -1"),
        case("B-not-an-integer", lambda: canon.cube(2, 1.5), TypeError, r"^B: expected an integer, got 1\.5"),
        case("d-a-bool", lambda: canon.cube(True, 1), TypeError, r"^d: expected an integer, got True"),
        case("too-many-frequencies", lambda: canon.cube(3, 200), ValueError, r"^B: expected a cube of at most 2\*\*24 frequencies"),
    ],
)
def test_cube_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("R-negative", lambda: canon.ball(2, -1.0), ValueError, r"^R: expected a number >= 0, got -1\.0"),
        case("R-nan", lambda: canon.ball(2, NAN), ValueError, r"^R: expected a finite number, got nan"),
        case("R-a-string", lambda: canon.ball(2, "2"), TypeError, r"^R: expected a real number, got '2'"),
    ],
)
def test_ball_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("frequency-outside-half-set", lambda: canon.Omega(1, [[-1]]), ValueError, r"^half: expected frequencies whose first non-zero component is positive"),
        case("zero-in-half-set", lambda: canon.Omega(2, [[0, 0]]), ValueError, r"^half: expected frequencies whose first non-zero component is positive"),
        case("repeated-frequency", lambda: canon.Omega(1, [[1], [1]]), ValueError, r"^half: expected distinct frequencies, got repeated ones"),
        case("float-frequencies", lambda: canon.Omega(1, [[1.0]]), TypeError, r"^half: expected integer frequencies, got dtype float64"),
        case("half-wrong-d", lambda: canon.Omega(2, [[1]]), ValueError, r"^half: expected an integer array of shape \(h, 2\), got shape \(1, 1\)"),
    ],
)
def test_omega_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("B-at-n-over-2", lambda: canon.cube_space(8, 1, 4), ValueError, r"^omega: expected frequencies with \|k_l\| < n/2 = 4\.0 .*got \|k_l\| up to B = 4"),
        case("B-above-n-over-2-odd-n", lambda: canon.cube_space(7, 2, 4), ValueError, r"^omega: expected frequencies with \|k_l\| < n/2 = 3\.5"),
        case("ball-too-wide", lambda: canon.Space(canon.midpoint_grid(6, 2), canon.ball(2, 3.0)), ValueError, r"^omega: expected frequencies with \|k_l\| < n/2 = 3\.0"),
        case("omega-d-mismatch-with-grid", lambda: canon.Space(canon.midpoint_grid(8, 2), canon.cube(1, 2)), ValueError, r"^omega: expected frequencies in d = 2 \(the grid's\), got d = 1"),
        case("grid-not-a-Grid", lambda: canon.Space((8, 2), canon.cube(2, 1)), TypeError, r"^grid: expected a canon\.Grid, got tuple"),
        case("omega-not-an-Omega", lambda: canon.Space(canon.midpoint_grid(8, 2), np.zeros((4, 2), int)), TypeError, r"^omega: expected a canon\.Omega, got ndarray"),
    ],
)
def test_space_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("even-n", lambda: canon.full_space(8, 2), ValueError, r"^n: expected an odd n .*, got 8"),
        case("n-below-3", lambda: canon.full_space(1, 1), ValueError, r"^n: expected an integer >= 3, got 1"),
        case("n-a-float", lambda: canon.full_space(9.0, 1), TypeError, r"^n: expected an integer, got 9\.0"),
    ],
)
def test_full_space_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("samples-wrong-length", lambda: canon.fourier_coefficients(F[:-1], SPACE), ValueError, r"^samples: expected a last axis of length N = 64, got shape \(63,\)"),
        case("samples-grid-shaped", lambda: canon.fourier_coefficients(F.reshape(8, 8), SPACE), ValueError, r"^samples: expected a last axis of length N = 64, got shape \(8, 8\)"),
        case("samples-a-scalar", lambda: canon.fourier_coefficients(1.0, SPACE), ValueError, r"^samples: expected a last axis of length N = 64, got shape \(\)"),
        case("samples-nan", lambda: canon.fourier_coefficients(_with(F, 3, NAN), SPACE), ValueError, r"^samples: expected finite values, got 1 NaN or infinite entry"),
        case("samples-inf", lambda: canon.fourier_coefficients(_with(F, [3, 4], INF), SPACE), ValueError, r"^samples: expected finite values, got 2 NaN or infinite entries"),
        case("samples-a-string", lambda: canon.fourier_coefficients("abc", SPACE), TypeError, r"^samples: expected an array of float64, got str"),
        case("space-a-grid", lambda: canon.fourier_coefficients(F, SPACE.grid), TypeError, r"^space: expected a canon\.Space .*got Grid"),
    ],
)
def test_fourier_coefficients_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("theta-wrong-length", lambda: canon.coefficient_magnitudes(np.ones(24), SPACE.omega), ValueError, r"^theta: expected a last axis of length K = 25, got shape \(24,\)"),
        case("omega-a-space", lambda: canon.coefficient_magnitudes(np.ones(25), SPACE), TypeError, r"^omega: expected a canon\.Omega, got Space"),
    ],
)
def test_coefficient_magnitudes_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("points-outside-U", lambda: canon.basis_matrix(SPACE.omega, [[1.5, 0.2]]), ValueError, r"^x: expected points in U = \[0, 1\]\^d, got coordinates in \[0\.2, 1\.5\]"),
        case("negative-coordinate", lambda: canon.basis_matrix(SPACE.omega, [[-0.1, 0.2]]), ValueError, r"^x: expected points in U"),
        case("x-wrong-d", lambda: canon.basis_matrix(SPACE.omega, np.full((5, 3), 0.5)), ValueError, r"^x: expected shape \('?any'?, 2\), got shape \(5, 3\)"),
        case("x-one-dimensional", lambda: canon.basis_matrix(SPACE_1D.omega, [0.1, 0.2]), ValueError, r"^x: expected an array with 2 dimension\(s\), got shape \(2,\)"),
        case("x-empty", lambda: canon.basis_matrix(SPACE.omega, np.zeros((0, 2))), ValueError, r"^x: expected at least one point, got an empty array"),
        case("x-nan", lambda: canon.basis_matrix(SPACE.omega, _with(X, (0, 1), NAN)), ValueError, r"^x: expected finite values, got 1 NaN"),
    ],
)
def test_basis_matrix_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("theta-wrong-K", lambda: canon.partial_sum(np.ones(9), SPACE.omega, X), ValueError, r"^theta: expected a last axis of length K = 25, got shape \(9,\)"),
        case("theta-nan", lambda: canon.partial_sum(_with(np.ones(25), 0, NAN), SPACE.omega, X), ValueError, r"^theta: expected finite values"),
        case("x-outside-U", lambda: canon.partial_sum(np.ones(25), SPACE.omega, X + 1), ValueError, r"^x: expected points in U"),
    ],
)
def test_partial_sum_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("samples-wrong-length", lambda: canon.truncation_error(np.ones(65), SPACE), ValueError, r"^samples: expected a last axis of length N = 64"),
        case("space-an-omega", lambda: canon.truncation_error(F, SPACE.omega), TypeError, r"^space: expected a canon\.Space"),
    ],
)
def test_truncation_error_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("K-even", lambda: canon.most_significant(np.ones(25), SPACE.omega, 4), ValueError, r"^K: expected an odd number \(0 plus pairs k, -k\), got 4"),
        case("K-above-omega-K", lambda: canon.most_significant(np.ones(25), SPACE.omega, 27), ValueError, r"^K: expected an integer <= 25, got 27"),
        case("K-zero", lambda: canon.most_significant(np.ones(25), SPACE.omega, 0), ValueError, r"^K: expected an integer >= 1, got 0"),
        case("theta-wrong-length", lambda: canon.most_significant(np.ones(9), SPACE.omega, 3), ValueError, r"^theta: expected shape \(25,\), got shape \(9,\)"),
    ],
)
def test_most_significant_rejects(call, error, match):
    check(call, error, match)


# --- canon.nets --------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("empty-widths", lambda: canon.MLP(d=2, widths=()), ValueError, r"^widths: expected at least one hidden layer, got \(\)"),
        case("negative-width", lambda: canon.MLP(d=2, widths=(3, -2)), ValueError, r"^widths\[1\]: expected an integer >= 1, got -2"),
        case("zero-width", lambda: canon.MLP(d=2, widths=(0,)), ValueError, r"^widths\[0\]: expected an integer >= 1, got 0"),
        case("fractional-width", lambda: canon.MLP(d=2, widths=(2.5,)), TypeError, r"^widths\[0\]: expected an integer, got 2\.5"),
        case("widths-none", lambda: canon.MLP(d=2, widths=None), TypeError, r"^widths: expected a tuple of hidden layer widths, got None"),
        case("unknown-activation", lambda: canon.MLP(d=2, widths=(3,), activation="gelu"), ValueError, r"^activation: expected one of 'tanh', 'relu', 'sigmoid', 'softplus', got 'gelu'"),
        case("d-zero", lambda: canon.MLP(d=0, widths=(3,)), ValueError, r"^d: expected an integer >= 1, got 0"),
        case("d-a-bool", lambda: canon.MLP(d=True, widths=(3,)), TypeError, r"^d: expected an integer, got True"),
    ],
)
def test_mlp_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("w-too-short", lambda: NET(W[:-1], X), ValueError, r"^w: expected shape \(13,\), got shape \(12,\)"),
        case("w-a-row-matrix", lambda: NET(W[None, :], X), ValueError, r"^w: expected shape \(13,\), got shape \(1, 13\)"),
        case("w-nan", lambda: NET(_with(W, 0, NAN), X), ValueError, r"^w: expected finite values, got 1 NaN or infinite entry"),
        case("w-inf", lambda: NET(_with(W, 5, -INF), X), ValueError, r"^w: expected finite values"),
        case("x-wrong-d", lambda: NET(W, np.full((4, 3), 0.5)), ValueError, r"^x: expected shape \('?any'?, 2\), got shape \(4, 3\)"),
        case("x-one-point-as-vector", lambda: NET(W, np.array([0.2, 0.3])), ValueError, r"^x: expected an array with 2 dimension\(s\), got shape \(2,\)"),
        case("x-nan", lambda: NET(W, _with(X, (2, 0), NAN)), ValueError, r"^x: expected finite values"),
        case("x-empty", lambda: NET(W, np.zeros((0, 2))), ValueError, r"^x: expected at least one input point, got an empty array"),
    ],
)
def test_mlp_call_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("too-few-layers", lambda: NET.pack(NET.unpack(W)[:1]), ValueError, r"^layers: expected 2 \(W, b\) pairs, got 1"),
        case("transposed-W", lambda: NET.pack([(np.zeros((2, 3)), np.zeros(3)), (np.zeros((1, 3)), np.zeros(1))]), ValueError, r"^W1: expected shape \(3, 2\), got shape \(2, 3\)"),
        case("b-wrong-length", lambda: NET.pack([(np.zeros((3, 2)), np.zeros(2)), (np.zeros((1, 3)), np.zeros(1))]), ValueError, r"^b1: expected shape \(3,\), got shape \(2,\)"),
    ],
)
def test_pack_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("net-not-an-MLP", lambda: canon.per_sample_gradients("mlp", W, X), TypeError, r"^net: expected a canon\.MLP, got str"),
        case("w-wrong-length", lambda: canon.per_sample_gradients(NET, np.ones(14), X), ValueError, r"^w: expected shape \(13,\), got shape \(14,\)"),
        case("x-inf", lambda: canon.per_sample_gradients(NET, W, _with(X, (0, 0), INF)), ValueError, r"^x: expected finite values"),
    ],
)
def test_per_sample_gradients_rejects(call, error, match):
    check(call, error, match)


# --- canon.initializations -------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("scale-zero", lambda: canon.initialize(NET, 0, scale=0.0), ValueError, r"^scale: expected a number > 0, got 0\.0"),
        case("scale-negative", lambda: canon.initialize(NET, 0, scale=-1), ValueError, r"^scale: expected a number > 0, got -1\.0"),
        case("unknown-scheme", lambda: canon.initialize(NET, 0, scheme="xavier"), ValueError, r"^scheme: expected one of 'gaussian', 'centred', 'anchored', got 'xavier'"),
        case("seed-negative", lambda: canon.initialize(NET, -1), ValueError, r"^seed: expected an integer >= 0, got -1"),
        case("seed-a-float", lambda: canon.initialize(NET, 1.0), TypeError, r"^seed: expected an integer, got 1\.0"),
        case("seed-a-bool", lambda: canon.initialize(NET, True), TypeError, r"^seed: expected an integer, got True"),
        case("spread-negative", lambda: canon.initialize(NET, 0, scheme="centred", spread=-0.1), ValueError, r"^spread: expected a number >= 0, got -0\.1"),
        case("bias-scale-inf", lambda: canon.initialize(NET, 0, bias_scale=INF), ValueError, r"^bias_scale: expected a finite number, got inf"),
        case("output-scale-zero", lambda: canon.initialize(NET, 0, output_scale=0.0), ValueError, r"^output_scale: expected a number > 0, got 0\.0"),
        case("net-a-tuple", lambda: canon.initialize((2, (3,)), 0), TypeError, r"^net: expected a canon\.MLP, got tuple"),
    ],
)
def test_initialize_rejects(call, error, match):
    check(call, error, match)


# --- canon.symmetries ------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("not-a-permutation", lambda: canon.permute_units(NET, W, 0, [0, 0, 1]), ValueError, r"^permutation: expected a permutation of 0\.\.2, got \[0, 0, 1\]"),
        case("permutation-too-short", lambda: canon.permute_units(NET, W, 0, [1, 0]), ValueError, r"^permutation: expected shape \(3,\), got shape \(2,\)"),
        case("layer-beyond-depth", lambda: canon.permute_units(NET, W, 1, [0, 1, 2]), ValueError, r"^layer: expected an integer <= 0, got 1"),
        case("layer-negative", lambda: canon.permute_units(NET, W, -1, [0, 1, 2]), ValueError, r"^layer: expected an integer >= 0, got -1"),
        case("w-wrong-length", lambda: canon.permute_units(NET, W[:10], 0, [0, 1, 2]), ValueError, r"^w: expected shape \(13,\), got shape \(10,\)"),
    ],
)
def test_permute_units_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("zero-scale", lambda: canon.rescale_units(RELU, W_RELU, 0, [1.0, 0.0, 2.0]), ValueError, r"^scales: expected positive factors, got minimum 0"),
        case("negative-scale", lambda: canon.rescale_units(RELU, W_RELU, 0, [1.0, -2.0, 2.0]), ValueError, r"^scales: expected positive factors, got minimum -2"),
        case("nan-scale", lambda: canon.rescale_units(RELU, W_RELU, 0, [1.0, NAN, 2.0]), ValueError, r"^scales: expected finite values"),
        case("scales-wrong-length", lambda: canon.rescale_units(RELU, W_RELU, 0, [1.0, 2.0]), ValueError, r"^scales: expected shape \(3,\), got shape \(2,\)"),
        case("tanh-net", lambda: canon.rescale_units(NET, W, 0, [1.0, 2.0, 3.0]), ValueError, r"^net: expected a positively homogeneous activation \(relu\) for rescaling, got 'tanh'"),
    ],
)
def test_rescale_units_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("mask-of-integers", lambda: canon.flip_units(NET, W, 0, [1, 0, 1]), ValueError, r"^mask: expected a boolean array of shape \(3,\), got int64 of shape \(3,\)"),
        case("mask-wrong-length", lambda: canon.flip_units(NET, W, 0, [True, False]), ValueError, r"^mask: expected a boolean array of shape \(3,\), got bool of shape \(2,\)"),
        case("relu-net", lambda: canon.flip_units(RELU, W_RELU, 0, [True, False, True]), ValueError, r"^net: expected an odd activation \(tanh\) for sign flips, got 'relu'"),
    ],
)
def test_flip_units_rejects(call, error, match):
    check(call, error, match)


# --- canon.losses --------------------------------------------------------------------


@pytest.mark.parametrize("function", [canon.loss_values, canon.loss_derivative, canon.objective])
@pytest.mark.parametrize(
    "arguments, error, match",
    [
        pytest.param(("l1", Y, Y), ValueError, r"^loss: expected one of 'mse', 'cross_entropy', got 'l1'", id="unknown-loss"),
        pytest.param(("cross_entropy", _with(Y, 1, -0.5), Y), ValueError, r"^y: expected labels in \[0, 1\] for cross-entropy, got values in \[-0\.5, ", id="cross-entropy-label-below-0"),
        pytest.param(("cross_entropy", _with(Y, 1, 2.0), Y), ValueError, r"^y: expected labels in \[0, 1\] for cross-entropy, got values in \[.*, 2\]", id="cross-entropy-label-above-1"),
        pytest.param(("mse", Y, Y[:3]), ValueError, r"^yhat: expected shape \(5,\), got shape \(3,\)", id="yhat-wrong-length"),
        pytest.param(("mse", _with(Y, 0, NAN), Y), ValueError, r"^y: expected finite values", id="y-nan"),
        pytest.param(("mse", Y, _with(Y, 0, INF)), ValueError, r"^yhat: expected finite values", id="yhat-inf"),
        pytest.param(("mse", Y[None, :], Y), ValueError, r"^y: expected an array with 1 dimension\(s\), got shape \(1, 5\)", id="y-a-row-matrix"),
        pytest.param(("mse", np.zeros(0), np.zeros(0)), ValueError, r"^y: expected at least one target, got an empty array", id="y-empty"),
    ],
)
def test_losses_reject(function, arguments, error, match):
    check(lambda: function(*arguments), error, match)


# --- canon.disparity -------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("space-d-mismatch-with-net", lambda: canon.disparity_matrix(NET, W, SPACE_1D), ValueError, r"^space: expected a grid in d = 2 \(the network's input dimension\), got d = 1"),
        case("unknown-method", lambda: canon.disparity_matrix(NET, W, SPACE, method="jax"), ValueError, r"^method: expected one of 'auto', 'fft', 'contract', 'separable', 'autograd', got 'jax'"),
        case("block-elements-zero", lambda: canon.disparity_matrix(NET, W, SPACE, block_elements=0), ValueError, r"^block_elements: expected an integer >= 1, got 0"),
        case("block-elements-a-float", lambda: canon.disparity_matrix(NET, W, SPACE, block_elements=1e6), TypeError, r"^block_elements: expected an integer, got 1000000\.0"),
        case("workers-zero", lambda: canon.disparity_matrix(NET, W, SPACE, workers=0), ValueError, r"^workers: expected an integer >= 1, got 0"),
        case("workers-a-float", lambda: canon.disparity_matrix(NET, W, SPACE, workers=2.0), TypeError, r"^workers: expected an integer, got 2\.0"),
        case("route-costs-space-a-grid", lambda: canon.route_costs(NET, SPACE.grid), TypeError, r"^space: expected a canon\.Space"),
        case("route-costs-workers-zero", lambda: canon.route_costs(NET, SPACE, 0), ValueError, r"^workers: expected an integer >= 1, got 0"),
        case("route-costs-net-a-function", lambda: canon.route_costs(np.tanh, SPACE), TypeError, r"^net: expected a canon\.MLP, got ufunc"),
        case("w-wrong-length", lambda: canon.disparity_matrix(NET, np.ones(12), SPACE), ValueError, r"^w: expected shape \(13,\), got shape \(12,\)"),
        case("w-nan", lambda: canon.disparity_matrix(NET, _with(W, 2, NAN), SPACE), ValueError, r"^w: expected finite values"),
        case("space-a-grid", lambda: canon.disparity_matrix(NET, W, SPACE.grid), TypeError, r"^space: expected a canon\.Space"),
        case("net-a-function", lambda: canon.disparity_matrix(np.tanh, W, SPACE), TypeError, r"^net: expected a canon\.MLP, got ufunc"),
    ],
)
def test_disparity_matrix_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("x-outside-U", lambda: canon.gradient_identity(NET, W, X * 2, Y, "mse", SPACE), ValueError, r"^x: expected points in U"),
        case("x-wrong-d", lambda: canon.gradient_identity(NET, W, X[:, :1], Y, "mse", SPACE), ValueError, r"^x: expected shape \('?any'?, 2\), got shape \(5, 1\)"),
        case("y-wrong-length", lambda: canon.gradient_identity(NET, W, X, Y[:4], "mse", SPACE), ValueError, r"^y: expected shape \(5,\), got shape \(4,\)"),
        case("y-nan", lambda: canon.gradient_identity(NET, W, X, _with(Y, 0, NAN), "mse", SPACE), ValueError, r"^y: expected finite values"),
        case("H-wrong-shape", lambda: canon.gradient_identity(NET, W, X, Y, "mse", SPACE, H=np.zeros((13, 24))), ValueError, r"^H: expected shape \(13, 25\), got shape \(13, 24\)"),
        case("unknown-loss", lambda: canon.gradient_identity(NET, W, X, Y, "hinge", SPACE), ValueError, r"^loss: expected one of 'mse', 'cross_entropy', got 'hinge'"),
        case("cross-entropy-label-above-1", lambda: canon.gradient_identity(NET, W, X, Y + 1, "cross_entropy", SPACE), ValueError, r"^y: expected labels in \[0, 1\] for cross-entropy"),
        case("space-d-mismatch-with-net", lambda: canon.gradient_identity(NET, W, X, Y, "mse", SPACE_1D), ValueError, r"^space: expected a grid in d = 2"),
    ],
)
def test_gradient_identity_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("rtol-above-1", lambda: canon.numerical_rank(np.eye(3), rtol=2), ValueError, r"^rtol: expected a relative tolerance in \(0, 1\), got 2\.0"),
        case("rtol-is-1", lambda: canon.numerical_rank(np.eye(3), rtol=1), ValueError, r"^rtol: expected a relative tolerance in \(0, 1\), got 1\.0"),
        case("rtol-zero", lambda: canon.numerical_rank(np.eye(3), rtol=0.0), ValueError, r"^rtol: expected a number > 0, got 0\.0"),
        case("rtol-negative", lambda: canon.numerical_rank(np.eye(3), rtol=-1e-8), ValueError, r"^rtol: expected a number > 0, got -1e-08"),
        case("rtol-nan", lambda: canon.numerical_rank(np.eye(3), rtol=NAN), ValueError, r"^rtol: expected a finite number, got nan"),
        case("H-a-vector", lambda: canon.numerical_rank(np.ones(3)), ValueError, r"^H: expected an array with 2 dimension\(s\), got shape \(3,\)"),
        case("H-empty", lambda: canon.numerical_rank(np.zeros((0, 3))), ValueError, r"^H: expected a non-empty matrix, got shape \(0, 3\)"),
        case("H-inf", lambda: canon.numerical_rank(_with(np.eye(3), (1, 1), INF)), ValueError, r"^H: expected finite values"),
    ],
)
def test_numerical_rank_rejects(call, error, match):
    check(call, error, match)


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("H-a-vector", lambda: canon.singular_values(np.ones(3)), ValueError, r"^H: expected an array with 2 dimension\(s\)"),
        case("H-nan", lambda: canon.singular_values(_with(np.eye(2), (0, 1), NAN)), ValueError, r"^H: expected finite values"),
    ],
)
def test_singular_values_rejects(call, error, match):
    check(call, error, match)


# --- canon.plots -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        case("ncols-zero", lambda: canon.plots.figure(ncols=0), ValueError, r"^ncols: expected an integer >= 1, got 0"),
        case("height-negative", lambda: canon.plots.figure(height=-1.0), ValueError, r"^height: expected a number > 0, got -1\.0"),
        case("level-nan", lambda: canon.plots.mark_level(None, NAN), ValueError, r"^value: expected a finite number, got nan"),
        case("unknown-axis", lambda: canon.plots.mark_level(None, 1.0, axis="z"), ValueError, r"^axis: expected one of 'x', 'y', got 'z'"),
    ],
)
def test_plots_reject(call, error, match):
    check(call, error, match)


# --- once-silent mistakes, now rejected ------------------------------------------------


def test_complex_samples_are_rejected():
    check(lambda: canon.fourier_coefficients(F * (1 + 1j), SPACE), (TypeError, ValueError), r"^samples: expected")


def test_fractional_permutation_is_rejected():
    check(lambda: canon.permute_units(NET, W, 0, [0.5, 1.0, 2.0]), (TypeError, ValueError), r"^permutation: expected")
