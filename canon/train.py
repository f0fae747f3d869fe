"""Algorithm 1 of Jiang (2019): gradient descent and SGD in the literal space.

Starting from ``w_0``, Algorithm 1 iterates

    w_{n+1} = w_n - eta_n g_n,

where ``g_n`` is the gradient of the objective ``Q(w) = sum_t l(y_t, f_w(x_t))``
(eq. 2-3) over the whole training set (gradient descent) or the rescaled gradient
``(T / B) sum_{t in batch} dl/dw`` of a random mini-batch of B points (SGD; its
expectation is the full gradient, so a step size means the same in both).

The gradient is computed without autograd: one vectorized forward and backward
pass in plain numpy gives, for every layer, ``dQ/dW_l = e_l^T a_{l-1}`` and
``dQ/db_l = e_l^T 1`` with ``e_l = dQ/dz_l`` back-propagated from
``l'_t = dl/dyhat (y_t, f_w(x_t))`` -- the product ``J^T l'`` of eq. (9)'s left
side without forming the T x M Jacobian J. A step costs a few small matrix
products, so tens of thousands of steps on a small network take seconds.

Along the run a history records, every ``record_every`` steps, the full
objective Q(w_n), the norm of its gradient, the distance ``||w_n - w_0||`` and,
when a canonical space is given, the extreme singular values of the disparity
matrix H(w_n) of eq. (8): the quantities of Theorem 2 and of the book's
Remarks 4 and 7.
"""

from dataclasses import dataclass, field
import numbers

import numpy as np

from . import _checks
from .disparity import disparity_matrix
from .fourier import _check_space
from .activations import ACTIVATIONS
from .losses import LOSSES, loss_values
from .nets import _check_net, per_sample_gradients

__all__ = ["Run", "gradient_descent", "objective_and_gradient", "ntk_step_size", "SCHEDULES"]

#: Named step-size schedules (a callable ``n -> eta_n`` is also accepted).
SCHEDULES = ("constant", "inverse")


@dataclass(frozen=True, eq=False)
class Run:
    """The outcome of :func:`gradient_descent`.

    Attributes
    ----------
    w : ndarray, shape (M,)
        The parameters after the last step.
    history : dict of str -> ndarray
        One-dimensional arrays of equal length, one entry per recorded step:
        ``'step'`` (n), ``'step_size'`` (eta_n, the size of the step taken from
        w_n; ``nan`` at the final record, from which no step is taken), ``'loss'``
        (Q(w_n) on the whole training set), ``'grad_norm'`` (``||grad Q(w_n)||``),
        ``'distance'`` (``||w_n - w_0||``) and, when a space was given,
        ``'sigma_min'`` and ``'sigma_max'`` of H(w_n).
    settings : dict
        The arguments of the run (loss, steps, step_size, schedule, batch_size,
        seed, record_every), for the record.
    """

    w: np.ndarray
    history: dict = field(repr=False)
    settings: dict = field(default_factory=dict)

    @property
    def loss(self):
        """The objective Q at the final parameters."""
        return float(self.history["loss"][-1])


def gradient_descent(
    net,
    w0,
    x,
    y,
    loss="mse",
    steps=1000,
    step_size=0.1,
    schedule="constant",
    decay=100.0,
    batch_size=None,
    seed=0,
    space=None,
    record_every=1,
    progress=False,
):
    """Run Algorithm 1 (gradient descent, or SGD with mini-batches) from ``w0``.

    Parameters
    ----------
    net : MLP
        The network.
    w0 : ndarray, shape (M,)
        The initial parameters (not modified).
    x : ndarray, shape (T, d)
        Training inputs.
    y : ndarray, shape (T,)
        Training targets (labels in [0, 1] for cross-entropy).
    loss : {'mse', 'cross_entropy'}
        The loss l of ``Q(w) = sum_t l(y_t, f_w(x_t))``.
    steps : int
        Number of updates, ``steps >= 1``.
    step_size : float
        The base step size eta > 0.
    schedule : {'constant', 'inverse'} or callable
        ``'constant'``: ``eta_n = eta``. ``'inverse'``: ``eta_n = eta / (1 + n / decay)``
        (decaying, as Algorithm 1 asks). A callable ``n -> eta_n`` is used as given;
        it must return a finite positive number for every n.
    decay : float
        Time constant of the ``'inverse'`` schedule, ``decay > 0``.
    batch_size : int, optional
        ``None`` for full-batch gradient descent; an integer ``1 <= B <= T`` for SGD
        on B points drawn without replacement at every step (seeded by ``seed``;
        B = T gives exactly the gradient descent run).
    seed : int
        Seed of ``numpy.random.default_rng`` for the mini-batches.
    space : Space, optional
        A canonical space; if given, the history holds ``'sigma_min'`` and
        ``'sigma_max'`` of H(w_n) at every recorded step (this costs one disparity
        matrix and one SVD per record). ``sigma_min`` is the smallest singular
        value of H as a map from R^K, ``min ||H v|| / ||v||``: the K-th singular
        value when M >= K, and 0 when M < K (H cannot then have rank K).
    record_every : int
        Record the history at steps 0, r, 2r, ... and at the last step.
    progress : bool
        Print one line at every tenth of the run (step and loss, no timings).

    Returns
    -------
    Run

    Raises
    ------
    ValueError
        For bad settings: ``steps < 1``, ``step_size <= 0``, a batch size outside
        ``1..T``, an unknown schedule, a schedule value that is not finite and
        positive, mismatched shapes.
    FloatingPointError
        If the loss, the gradient or the parameters stop being finite during the
        run (the step is named; lower the step size).

    References
    ----------
    Algorithm 1 and Theorem 2 of Jiang (2019); eq. (8) for H.
    """
    _check_net(net)
    w0 = net.check_parameters(w0).copy()
    x = net.check_inputs(x)
    T = len(x)
    y = _checks.array("y", y, ndim=1, shape=(T,))
    _checks.choice("loss", loss, LOSSES)
    loss_values(loss, y, np.zeros(T))  # label checks for cross-entropy
    steps = _checks.integer("steps", steps, minimum=1)
    step_size = _checks.real("step_size", step_size, minimum=0, strict_minimum=True)
    if not callable(schedule):
        _checks.choice("schedule", schedule, SCHEDULES)
    decay = _checks.real("decay", decay, minimum=0, strict_minimum=True)
    if batch_size is not None:
        batch_size = _checks.integer("batch_size", batch_size, minimum=1, maximum=T)
    seed = _checks.integer("seed", seed, minimum=0)
    if space is not None:
        _check_space(space)
        if space.grid.d != net.d:
            _checks.fail("space", f"a grid in d = {net.d} (the network's input dimension)", f"d = {space.grid.d}")
    record_every = _checks.integer("record_every", record_every, minimum=1)
    if not isinstance(progress, (bool, np.bool_)):
        _checks.fail("progress", "a bool", repr(progress), TypeError)

    eta = _schedule_function(schedule, step_size, decay)
    evaluate = _objective_function(net, loss)
    rng = np.random.default_rng(seed)
    records = {key: [] for key in ("step", "step_size", "loss", "grad_norm", "distance")}
    if space is not None:
        records["sigma_min"], records["sigma_max"] = [], []
    marks = {max(1, (steps * tenth) // 10) for tenth in range(1, 11)}

    def record(n, w, value, grad, eta_n):
        records["step"].append(n)
        records["step_size"].append(eta_n)
        records["loss"].append(value)
        records["grad_norm"].append(np.linalg.norm(grad))
        records["distance"].append(np.linalg.norm(w - w0))
        if space is not None:
            lo, hi = _extreme_singular_values(disparity_matrix(net, w, space))
            records["sigma_min"].append(lo)
            records["sigma_max"].append(hi)

    w = w0
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(steps):
            eta_n = eta(n)
            recording = n % record_every == 0
            if batch_size is None or recording:
                value, grad = evaluate(w, x, y)
                _check_finite(n, value, grad)
                if recording:
                    record(n, w, value, grad, eta_n)
            if batch_size is not None:
                batch = np.sort(rng.choice(T, size=batch_size, replace=False))
                batch_value, grad = evaluate(w, x[batch], y[batch])
                _check_finite(n, batch_value, grad)
                grad = grad * (T / batch_size)
            w = w - eta_n * grad
            if not np.all(np.isfinite(w)):
                raise FloatingPointError(
                    f"gradient descent diverged at step {n + 1}: the parameters are no longer "
                    f"finite (step size eta_{n} = {eta_n:.3g}; try a smaller step_size)"
                )
            if progress and (n + 1) in marks:
                value_now, _ = evaluate(w, x, y)
                print(f"step {n + 1:>{len(str(steps))}}/{steps} ({100 * (n + 1) // steps:3d}%): Q = {value_now:.3e}")
        value, grad = evaluate(w, x, y)
        _check_finite(steps, value, grad)
    record(steps, w, value, grad, np.nan)
    history = {key: np.asarray(values, dtype=np.float64) for key, values in records.items()}
    history["step"] = history["step"].astype(np.int64)
    settings = dict(
        loss=loss,
        steps=steps,
        step_size=step_size,
        schedule=schedule,
        decay=decay,
        batch_size=batch_size,
        seed=seed,
        record_every=record_every,
    )
    return Run(w=w, history=history, settings=settings)


def objective_and_gradient(net, w, x, y, loss="mse"):
    """Return ``Q(w) = sum_t l(y_t, f_w(x_t))`` and its gradient in w.

    The gradient is ``J^T l'`` (the left side of eq. 9) from one hand-written
    backward pass, never forming the Jacobian J; it is the routine every step of
    :func:`gradient_descent` calls.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    x : ndarray, shape (T, d)
    y : ndarray, shape (T,)
    loss : {'mse', 'cross_entropy'}

    Returns
    -------
    value : float
    gradient : ndarray, shape (M,)

    References
    ----------
    Eq. (2), (3) and (9) of Jiang (2019).
    """
    _check_net(net)
    w = net.check_parameters(w)
    x = net.check_inputs(x)
    y = _checks.array("y", y, ndim=1, shape=(len(x),))
    _checks.choice("loss", loss, LOSSES)
    return _loss_and_gradient(net, w, x, y, loss)


def ntk_step_size(net, w, x, fraction=1.0):
    """Return ``fraction / lambda_max(J J^T)``, a step size scaled to the NTK.

    ``J J^T`` (T x T, with ``J = per_sample_gradients(net, w, x)``) is the
    empirical neural tangent kernel at the data. For MSE near a point where the
    features barely move, Q is close to a quadratic whose curvature is at most
    ``lambda_max(J J^T)``, so gradient descent is stable for
    ``eta < 2 / lambda_max`` and ``fraction = 1`` is a safe, fast choice.

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    x : ndarray, shape (T, d)
    fraction : float
        Multiplier, ``0 < fraction``.

    Returns
    -------
    float

    References
    ----------
    The book's Remarks 6 (the NTK link) and 7 (a convergence rate) on Jiang (2019).
    """
    fraction = _checks.real("fraction", fraction, minimum=0, strict_minimum=True)
    J = per_sample_gradients(net, w, x)
    # the output bias contributes 1 to every row of J, so lambda_max >= T > 0
    return fraction / np.linalg.eigvalsh(J @ J.T)[-1]


# --- private helpers -------------------------------------------------------


def _schedule_function(schedule, step_size, decay):
    if callable(schedule):

        def eta(n):
            value = schedule(n)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not (
                np.isfinite(value) and value > 0
            ):
                _checks.fail("schedule", f"a finite positive step size at step {n}", repr(value))
            return float(value)

        return eta
    if schedule == "constant":
        return lambda n: step_size
    return lambda n: step_size / (1.0 + n / decay)


def _loss_and_gradient(net, w, x, y, loss):
    """Q and its gradient ``J^T l'`` at w (inputs already validated)."""
    return _objective_function(net, loss)(w, x, y)


def _objective_function(net, loss):
    """Return ``(w, x, y) -> (Q, grad Q)`` for one network and loss, built once per run.

    A hand-written forward and backward pass in plain numpy on views of w (no
    validation, no autograd wrappers): the per-step cost of gradient descent is
    then a few small matrix products. Tested against autograd in
    ``tests/test_train.py``.
    """
    sigma = _PLAIN_ACTIVATIONS.get(net.activation, ACTIVATIONS[net.activation][0])
    sigma_prime = ACTIVATIONS[net.activation][1]
    value_of, slope_of = _PLAIN_LOSSES[loss]
    slices = net.layer_slices()
    shapes = net.layer_shapes

    def evaluate(w, x, y):
        layers = [(w[ws].reshape(shape), w[bs]) for (ws, bs), shape in zip(slices, shapes)]
        inputs, slopes, a = [], [], x
        for W, b in layers[:-1]:
            z = a @ W.T + b
            inputs.append(a)
            slopes.append(sigma_prime(z))
            a = sigma(z)
        W, b = layers[-1]
        yhat = a @ W[0] + b[0]
        if not np.all(np.isfinite(yhat)):
            return np.inf, None
        value = float(np.sum(value_of(y, yhat)))
        error = slope_of(y, yhat)  # dl/dyhat, shape (T,)
        grad = np.empty(len(w))
        grad[slices[-1][0]] = error @ a
        grad[slices[-1][1]] = error.sum()
        back = error[:, None] * W[0][None, :]  # dQ/da_L, shape (T, m_L)
        for l in range(len(layers) - 2, -1, -1):
            back = back * slopes[l]  # dQ/dz_l
            grad[slices[l][0]] = (back.T @ inputs[l]).ravel()
            grad[slices[l][1]] = back.sum(axis=0)
            if l:
                back = back @ layers[l][0]
        return value, grad

    return evaluate


def _relu(z):
    return np.where(z > 0, z, 0.0)


#: Plain numpy versions of activations whose canon form is an autograd primitive.
_PLAIN_ACTIVATIONS = {"tanh": np.tanh, "relu": _relu}

#: loss -> (l(y, yhat), dl/dyhat), the formulas of canon.losses without validation.
_PLAIN_LOSSES = {
    "mse": (lambda y, yhat: 0.5 * (yhat - y) ** 2, lambda y, yhat: yhat - y),
    "cross_entropy": (
        lambda y, yhat: np.logaddexp(0.0, yhat) - y * yhat,
        lambda y, yhat: 0.5 * (np.tanh(0.5 * yhat) + 1.0) - y,
    ),
}


def _check_finite(n, value, grad):
    if not np.isfinite(value):
        raise FloatingPointError(
            f"gradient descent diverged at step {n}: the loss is {value} (try a smaller step_size)"
        )
    if not np.all(np.isfinite(grad)):
        raise FloatingPointError(
            f"gradient descent diverged at step {n}: the gradient is not finite (try a smaller step_size)"
        )


def _extreme_singular_values(H):
    """``(min ||Hv||/||v|| over v in R^K, sigma_max)`` of an M x K matrix."""
    s = np.linalg.svd(H, compute_uv=False)
    M, K = H.shape
    return (float(s[-1]) if M >= K else 0.0), float(s[0])
