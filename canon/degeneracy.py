"""When the disparity matrix degenerates: dead and duplicated units (section 3.3).

Section 3.3 of Jiang (2019) names three ways in which the disparity matrix H(w) of
eq. (8) loses rank: dead units (3.3.1), duplicated units (3.3.2) and unlucky initial
conditions (3.3.3). This module detects and constructs them.

Dead units
    A ReLU unit is *dead on U* when its pre-activation ``z_j(x)`` is ``<= 0`` for every
    x of ``U = [0, 1]^d``: then ``relu'(z_j) = 0`` (canon's convention at 0) and
    ``relu(z_j) = 0`` everywhere, so every row of H belonging to the unit's incoming
    weights, bias and outgoing weights is zero. For a first-layer unit ``z_j`` is
    affine, ``z_j(x) = W_j x + b_j``, so its extremes over the cube are attained at
    vertices and are known exactly:

        max_U z_j = b_j + sum_i max(W_ji, 0),    min_U z_j = b_j + sum_i min(W_ji, 0).

    For a unit of a deeper layer ``z_j`` is only piecewise affine (ReLU) or smooth,
    and the module uses a *conservative grid check*: the maximum over the lattice
    ``{0, 1/(n-1), ..., 1}^d`` (vertices included) plus ``L_j r``, where ``r =
    sqrt(d) / (2 (n - 1))`` is the largest distance from a point of U to the lattice
    and ``L_j = ||W_l[j]|| prod_{k<l} s ||W_k||_2`` bounds the Lipschitz constant of
    ``z_j`` (s the activation's largest slope). It never calls a live unit dead; it
    may fail to recognize a dead unit whose maximum is within ``L_j r`` of 0.
    A unit is *dead on the data* when ``z_j(x_t) <= 0`` at every training input: GD
    cannot move it, yet it may be alive elsewhere in U (Remark 12).

Duplicated units
    Two units of a hidden layer are *full copies* when their incoming weights,
    biases and outgoing weights agree; they give equal rows of H and equal
    gradients. *Incoming copies* share only the incoming weights and bias.

Initial conditions
    A first-layer unit's hyperplane ``W_j x + b_j = 0`` *cuts* U when
    ``min_U z_j < 0 < max_U z_j`` (exact, by the vertex rule). Only such units add
    rank to H: a one-hidden-layer ReLU network has ``rank H <= m (d + 1) + 1``
    (Remark 9), see :func:`relu_rank_cap`. :func:`wilson_interval` reports Monte
    Carlo fractions with a binomial confidence interval.

References
----------
Section 3.3.1-3.3.3 and eq. (8) of Jiang (2019); Remarks 9, 12 and 13 of the book.
"""

import numbers

import numpy as np
from scipy.special import ndtri

from . import _checks
from .disparity import disparity_matrix
from .fourier import _check_space
from .initializations import SCHEMES, initialize
from .nets import _check_net

__all__ = [
    "unit_parameters",
    "first_layer_bounds",
    "cuts_cube",
    "cutting_fraction",
    "preactivation_max",
    "dead_on_cube",
    "dead_on_data",
    "duplicated_units",
    "kill_units",
    "duplicate_unit",
    "relu_rank_cap",
    "relu_rank_bound",
    "initialization_survey",
    "wilson_interval",
]

#: Largest slope of each activation: its Lipschitz constant.
SLOPES = {"relu": 1.0, "tanh": 1.0, "sigmoid": 0.25, "softplus": 1.0}

#: Kinds of duplicated units.
KINDS = ("full", "incoming")


def unit_parameters(net, layer, unit):
    """Return the positions in w of one hidden unit's parameters.

    Parameters
    ----------
    net : MLP
    layer : int
        Hidden layer, ``0 <= layer < net.depth`` (0 is the first hidden layer).
    unit : int
        Unit of that layer, ``0 <= unit < net.widths[layer]``.

    Returns
    -------
    incoming : ndarray of int, shape (inputs + 1,)
        Its incoming weights ``W_l[unit, :]`` followed by its bias ``b_l[unit]``.
    outgoing : ndarray of int, shape (outputs,)
        Its outgoing weights ``W_{l+1}[:, unit]``.

    Examples
    --------
    >>> net = MLP(d=2, widths=(3,), activation="relu")
    >>> unit_parameters(net, 0, 1)
    (array([2, 3, 7]), array([10]))
    """
    _check_net(net)
    layer = _check_layer(net, layer)
    unit = _checks.integer("unit", unit, minimum=0, maximum=net.widths[layer] - 1)
    return _unit_index(net, layer, unit)


def first_layer_bounds(net, w):
    """Return the exact minimum and maximum over U of each first-layer pre-activation.

    ``z_j(x) = W_j x + b_j`` is affine, so over the cube ``[0, 1]^d`` it is largest at
    the vertex with ``x_i = 1`` where ``W_ji > 0`` and smallest at the opposite one.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)

    Returns
    -------
    low, high : ndarray, shape (m_1,)
        ``b_j + sum_i min(W_ji, 0)`` and ``b_j + sum_i max(W_ji, 0)``.

    References
    ----------
    Section 3.3.1 and 3.3.3 of Jiang (2019).
    """
    _check_net(net)
    W, b = net.unpack(w)[0]
    return b + np.minimum(W, 0.0).sum(axis=1), b + np.maximum(W, 0.0).sum(axis=1)


def cuts_cube(net, w):
    """Return which first-layer hyperplanes ``W_j x + b_j = 0`` cut U.

    A hyperplane cuts U when the pre-activation takes both signs on U:
    ``min_U z_j < 0 < max_U z_j`` (exact, by the vertex rule of
    :func:`first_layer_bounds`). A hyperplane that only touches U at its boundary
    does not cut it.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)

    Returns
    -------
    ndarray of bool, shape (m_1,)

    References
    ----------
    Section 3.3.3 of Jiang (2019).
    """
    low, high = first_layer_bounds(net, w)
    return (low < 0) & (high > 0)


def cutting_fraction(net, w):
    """Return the fraction of first-layer units whose hyperplane cuts U.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)

    Returns
    -------
    float
        In [0, 1].

    References
    ----------
    Section 3.3.3 of Jiang (2019).
    """
    return float(np.mean(cuts_cube(net, w)))


def preactivation_max(net, w, layer=0, n=None):
    """Return, for each unit of a hidden layer, the maximum of its pre-activation over U.

    Exact for the first layer (the vertex rule); for deeper layers a guaranteed
    upper bound: the maximum over a lattice of ``n`` points per axis (vertices
    included) plus ``L_j r`` (see the module docstring).

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    layer : int
        Hidden layer, ``0 <= layer < net.depth``.
    n : int, optional
        Lattice points per axis for ``layer >= 1`` (``n >= 2``); default the largest
        n with ``n**d <= 2**16``, at most 257. Ignored for the first layer.

    Returns
    -------
    ndarray, shape (m_layer,)
        ``max_U z_j`` (layer 0) or an upper bound of it (deeper layers).

    References
    ----------
    Section 3.3.1 of Jiang (2019).
    """
    _check_net(net)
    w = net.check_parameters(w)
    layer = _check_layer(net, layer)
    n = _check_lattice(net, n)
    if layer == 0:
        return first_layer_bounds(net, w)[1]
    return _grid_upper_bound(net, w, layer, n)


def dead_on_cube(net, w, layer=0, n=None):
    """Return which ReLU units of a hidden layer are dead on the whole of U.

    A unit is dead on U when ``z_j(x) <= 0`` for every x in ``[0, 1]^d``. The check is
    exact for the first layer and conservative for deeper ones (a unit reported
    dead is dead; a dead unit whose maximum is within the grid's error bound of 0
    is reported alive). See :func:`preactivation_max`.

    Parameters
    ----------
    net : MLP
        A ReLU network (other activations have no dead units).
    w : ndarray, shape (M,)
    layer : int
        Hidden layer, ``0 <= layer < net.depth``.
    n : int, optional
        Lattice points per axis for deeper layers (see :func:`preactivation_max`).

    Returns
    -------
    ndarray of bool, shape (m_layer,)

    Raises
    ------
    ValueError
        If the network's activation is not ReLU.

    References
    ----------
    Section 3.3.1 of Jiang (2019).
    """
    _check_relu(net)
    return preactivation_max(net, w, layer, n) <= 0


def dead_on_data(net, w, x, layer=0):
    """Return which ReLU units of a hidden layer are inactive at every input of x.

    Gradient descent on data x never changes such a unit's incoming weights, bias or
    outgoing weights (their gradients are exactly zero), whether or not it is alive
    elsewhere in U (Remark 12).

    Parameters
    ----------
    net : MLP
        A ReLU network.
    w : ndarray, shape (M,)
    x : ndarray, shape (T, d)
        Training inputs.
    layer : int
        Hidden layer, ``0 <= layer < net.depth``.

    Returns
    -------
    ndarray of bool, shape (m_layer,)

    Raises
    ------
    ValueError
        If the network's activation is not ReLU.

    References
    ----------
    Section 3.3.1 of Jiang (2019); Remark 12 of the book.
    """
    _check_relu(net)
    w = net.check_parameters(w)
    x = net.check_inputs(x)
    layer = _check_layer(net, layer)
    return np.all(net.hidden_preactivations(w, x)[layer] <= 0, axis=0)


def duplicated_units(net, w, layer=0, kind="full", atol=0.0):
    """Return the pairs of units of a hidden layer that duplicate each other.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    layer : int
        Hidden layer, ``0 <= layer < net.depth``.
    kind : {'full', 'incoming'}
        ``'full'``: incoming weights, bias and outgoing weights all agree.
        ``'incoming'``: incoming weights and bias agree but the outgoing weights
        do not (the two units compute the same activation, weighted differently).
    atol : float
        Two parameter vectors agree when their largest entrywise difference is
        ``<= atol`` (default 0: exact copies).

    Returns
    -------
    ndarray of int, shape (p, 2)
        Pairs ``(j, k)`` with ``j < k``, in lexicographic order.

    References
    ----------
    Section 3.3.2 of Jiang (2019); Remark 13 of the book.
    """
    _check_net(net)
    w = net.check_parameters(w)
    layer = _check_layer(net, layer)
    _checks.choice("kind", kind, KINDS)
    atol = _checks.real("atol", atol, minimum=0)
    layers = net.unpack(w)
    (W, b), (W_next, _) = layers[layer], layers[layer + 1]
    incoming = np.concatenate([W, b[:, None]], axis=1)
    outgoing = W_next.T
    same_in = _pairwise_close(incoming, atol)
    same_out = _pairwise_close(outgoing, atol)
    same = same_in & same_out if kind == "full" else same_in & ~same_out
    j, k = np.nonzero(np.triu(same, 1))
    return np.stack([j, k], axis=1).astype(np.int64)


def kill_units(net, w, units, layer=0, margin=1.0, n=None):
    """Return a copy of w in which some ReLU units are dead on U.

    Only the biases change: each chosen unit's bias is lowered so that the maximum
    of its pre-activation over U (exact for the first layer, the conservative bound
    of :func:`preactivation_max` for deeper ones) becomes ``-margin``.

    Parameters
    ----------
    net : MLP
        A ReLU network.
    w : ndarray, shape (M,)
    units : sequence of int
        Distinct units of the layer.
    layer : int
        Hidden layer, ``0 <= layer < net.depth``.
    margin : float
        How far below zero the maximum is put, ``margin > 0``.
    n : int, optional
        Lattice points per axis for deeper layers (see :func:`preactivation_max`).

    Returns
    -------
    ndarray, shape (M,)

    References
    ----------
    Section 3.3.1 of Jiang (2019).
    """
    _check_relu(net)
    w = net.check_parameters(w)
    layer = _check_layer(net, layer)
    units = _check_units(net, layer, units)
    margin = _checks.real("margin", margin, minimum=0, strict_minimum=True)
    top = preactivation_max(net, w, layer, n)
    v = w.copy()
    bias = net.layer_slices()[layer][1]
    v[bias.start + units] -= top[units] + margin
    return v


def duplicate_unit(net, w, source, target, layer=0, kind="full", epsilon=0.0, seed=0):
    """Return a copy of w in which unit ``target`` copies unit ``source``.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    source, target : int
        Two different units of the layer.
    layer : int
        Hidden layer, ``0 <= layer < net.depth``.
    kind : {'full', 'incoming'}
        ``'full'``: copy the incoming weights, the bias and the outgoing weights.
        ``'incoming'``: copy the incoming weights and the bias; the target keeps its
        own outgoing weights.
    epsilon : float
        Size of a perturbation added to every copied entry: ``epsilon`` times a
        standard normal draw (``epsilon = 0``: an exact copy).
    seed : int
        Seed of ``numpy.random.default_rng`` for the perturbation.

    Returns
    -------
    ndarray, shape (M,)

    References
    ----------
    Section 3.3.2 of Jiang (2019); Remark 13 of the book.
    """
    _check_net(net)
    w = net.check_parameters(w)
    layer = _check_layer(net, layer)
    m = net.widths[layer]
    source = _checks.integer("source", source, minimum=0, maximum=m - 1)
    target = _checks.integer("target", target, minimum=0, maximum=m - 1)
    if source == target:
        _checks.fail("target", f"a unit other than source = {source}", target)
    _checks.choice("kind", kind, KINDS)
    epsilon = _checks.real("epsilon", epsilon, minimum=0)
    seed = _checks.integer("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    src_in, src_out = _unit_index(net, layer, source)
    dst_in, dst_out = _unit_index(net, layer, target)
    v = w.copy()
    v[dst_in] = w[src_in] + epsilon * rng.standard_normal(len(src_in))
    if kind == "full":
        v[dst_out] = w[src_out] + epsilon * rng.standard_normal(len(src_out))
    return v


def relu_rank_cap(net):
    """Return the largest rank H can have for a one-hidden-layer network.

    For ReLU, positive homogeneity gives, for every unit j,
    ``a_j df/da_j = W_j . df/dW_j + b_j df/db_j``: the unit's d + 2 rows span at
    most d + 1 dimensions, so ``rank H <= m (d + 1) + 1`` whatever K is. Other
    activations have no such relation and the cap is M.

    Parameters
    ----------
    net : MLP
        A network with one hidden layer.

    Returns
    -------
    int
        ``m (d + 1) + 1`` for ReLU, ``M`` otherwise.

    Raises
    ------
    ValueError
        If the network has more than one hidden layer.

    References
    ----------
    Eq. (8) of Jiang (2019); Remark 9 of the book.
    """
    _check_net(net)
    if net.depth != 1:
        _checks.fail("net", "a network with one hidden layer", f"{net.depth} hidden layers")
    if net.activation == "relu":
        return net.widths[0] * (net.d + 1) + 1
    return net.M


def relu_rank_bound(net, w):
    """Return an upper bound of rank H(w) that counts only the units that cut U.

    For a one-hidden-layer ReLU network the rows of unit j span the functions
    ``1[z_j > 0] x_i`` and ``1[z_j > 0]`` (or only ``relu(z_j)`` if its outgoing
    weight is 0). A unit dead on U contributes nothing; every unit active on the
    whole of U contributes inside the same span ``{x_1, ..., x_d, 1}``, whose
    constant the output bias already has; a unit whose hyperplane cuts U
    contributes at most d + 1. Hence

        rank H(w) <= (d + 1) c + 1 + d [a > 0],

    with c the number of cutting units and a the number of units active on all of
    U, both exact by the vertex rule. It holds for any Omega and any grid; take
    the minimum with K for the full bound.

    Parameters
    ----------
    net : MLP
        A ReLU network with one hidden layer.
    w : ndarray, shape (M,)

    Returns
    -------
    int

    References
    ----------
    Eq. (8) and section 3.3.3 of Jiang (2019); Remark 9 of the book.
    """
    _check_relu(net)
    if net.depth != 1:
        _checks.fail("net", "a network with one hidden layer", f"{net.depth} hidden layers")
    low, high = first_layer_bounds(net, w)
    cutting = int(np.sum((low < 0) & (high > 0)))
    always = bool(np.any(low > 0))
    return (net.d + 1) * cutting + 1 + net.d * always


def initialization_survey(net, space, draws, scheme="gaussian", rtol=1e-8, seed=0):
    """Draw random initial parameters and measure how degenerate H is at each.

    Draw i uses ``canon.initialize(net, seed + i, scheme)``.

    Parameters
    ----------
    net : MLP
    space : Space
        The canonical space of H.
    draws : int
        Number of random initializations, ``draws >= 1``.
    scheme : {'gaussian', 'centred'}
        Initialization scheme (see ``canon.initialize``).
    rtol : float
        Relative tolerance of the numerical rank, in (0, 1): H is numerically
        singular when fewer than K singular values exceed ``rtol * sigma_max``.
    seed : int
        Seed of the first draw.

    Returns
    -------
    dict of str -> ndarray, each of shape (draws,)
        ``'rank'`` (numerical rank of H), ``'singular'`` (rank < K),
        ``'sigma_ratio'`` (``sigma_K / sigma_max``; 0 when M < K, where H cannot
        have rank K), ``'cutting_fraction'`` (first-layer units whose hyperplane
        cuts U) and, for one-hidden-layer ReLU networks, ``'rank_bound'``
        (:func:`relu_rank_bound`).

    References
    ----------
    Section 3.3.3 of Jiang (2019); Remark 9 of the book.
    """
    _check_net(net)
    _check_space(space)
    if space.grid.d != net.d:
        _checks.fail("space", f"a grid in d = {net.d} (the network's input dimension)", f"d = {space.grid.d}")
    draws = _checks.integer("draws", draws, minimum=1)
    _checks.choice("scheme", scheme, SCHEMES)
    rtol = _checks.real("rtol", rtol, minimum=0, maximum=1, strict_minimum=True)
    seed = _checks.integer("seed", seed, minimum=0)
    K = space.K
    bounded = net.activation == "relu" and net.depth == 1
    keys = ("rank", "singular", "sigma_ratio", "cutting_fraction") + (("rank_bound",) if bounded else ())
    out = {key: [] for key in keys}
    for i in range(draws):
        w = initialize(net, seed + i, scheme=scheme)
        s = np.linalg.svd(disparity_matrix(net, w, space), compute_uv=False)
        rank = int(np.sum(s > rtol * s[0])) if s[0] > 0 else 0
        out["rank"].append(rank)
        out["singular"].append(rank < K)
        out["sigma_ratio"].append(s[K - 1] / s[0] if len(s) >= K and s[0] > 0 else 0.0)
        out["cutting_fraction"].append(cutting_fraction(net, w))
        if bounded:
            out["rank_bound"].append(relu_rank_bound(net, w))
    return {key: np.asarray(values) for key, values in out.items()}


def wilson_interval(successes, trials, confidence=0.95):
    """Return Wilson's score interval for a binomial proportion.

    It is the set of p with ``|s/T - p| <= z sqrt(p (1 - p) / T)``, z the
    ``(1 + confidence) / 2`` quantile of the standard normal; unlike the Wald
    interval it stays inside [0, 1] and is not empty at ``s = 0`` or ``s = T``.

    Parameters
    ----------
    successes : int
        Number of successes s, ``0 <= s <= trials``.
    trials : int
        Number of trials T, ``T >= 1``.
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    low, high : float

    References
    ----------
    E. B. Wilson, Probable inference, the law of succession, and statistical
    inference, J. Amer. Statist. Assoc. 22 (1927) 209-212.
    """
    trials = _checks.integer("trials", trials, minimum=1)
    successes = _checks.integer("successes", successes, minimum=0, maximum=trials)
    confidence = _checks.real("confidence", confidence, minimum=0, strict_minimum=True)
    if confidence >= 1:
        _checks.fail("confidence", "a number < 1", confidence)
    z = float(ndtri(0.5 + confidence / 2))
    p = successes / trials
    denominator = trials + z**2
    centre = (successes + z**2 / 2) / denominator
    half = z * np.sqrt(trials * p * (1 - p) + z**2 / 4) / denominator
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


# --- private helpers -------------------------------------------------------


def _check_layer(net, layer):
    return _checks.integer("layer", layer, minimum=0, maximum=net.depth - 1)


def _check_relu(net):
    _check_net(net)
    if net.activation != "relu":
        _checks.fail("net", "a ReLU network (only ReLU units can be dead)", f"activation {net.activation!r}")


def _check_lattice(net, n):
    if n is None:
        return min(257, max(2, int(np.floor(2 ** (16 / net.d) + 1e-9))))
    n = _checks.integer("n", n, minimum=2)
    if n**net.d > 2**22:
        _checks.fail("n", f"at most 2**22 lattice points in d = {net.d}", f"{n}**{net.d}")
    return n


def _check_units(net, layer, units):
    if isinstance(units, numbers.Integral) and not isinstance(units, (bool, np.bool_)):
        units = [units]
    try:
        units = list(units)
    except TypeError:
        _checks.fail("units", "a sequence of unit indices", repr(units), TypeError)
    m = net.widths[layer]
    units = np.array([_checks.integer(f"units[{i}]", u, minimum=0, maximum=m - 1) for i, u in enumerate(units)], dtype=np.int64)
    if len(np.unique(units)) != len(units):
        _checks.fail("units", "distinct unit indices", units.tolist())
    return units


def _unit_index(net, layer, unit):
    (w_in, b_in), (w_out, _) = net.layer_slices()[layer], net.layer_slices()[layer + 1]
    (m, inputs), (outputs, _) = net.layer_shapes[layer], net.layer_shapes[layer + 1]
    incoming = np.append(w_in.start + unit * inputs + np.arange(inputs), b_in.start + unit)
    outgoing = w_out.start + np.arange(outputs) * m + unit
    return incoming, outgoing


def _pairwise_close(rows, atol):
    """``close[j, k]``: rows j and k differ by at most atol in every entry."""
    return np.max(np.abs(rows[:, None, :] - rows[None, :, :]), axis=2) <= atol


def _lattice(d, n):
    """The ``n**d`` points ``{0, 1/(n-1), ..., 1}^d`` (vertices of U included)."""
    axis = np.linspace(0.0, 1.0, n)
    return np.stack(np.meshgrid(*([axis] * d), indexing="ij"), axis=-1).reshape(-1, d)


def _grid_upper_bound(net, w, layer, n):
    """Lattice maximum of z_layer plus a Lipschitz bound times the covering radius."""
    layers = net.unpack(w)
    z = net.hidden_preactivations(w, _lattice(net.d, n))[layer]
    slope = SLOPES[net.activation]
    lipschitz_input = 1.0
    for W, _ in layers[:layer]:
        lipschitz_input *= slope * np.linalg.norm(W, 2)
    W = layers[layer][0]
    lipschitz = np.linalg.norm(W, axis=1) * lipschitz_input
    radius = np.sqrt(net.d) / (2 * (n - 1))
    return z.max(axis=0) + lipschitz * radius
