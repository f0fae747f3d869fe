"""Multi-layer perceptrons over a flat parameter vector: the literal space.

A network ``f_w : R^d -> R`` with hidden widths ``m_1, ..., m_L`` computes

    a_0 = x,   a_l = sigma(W_l a_{l-1} + b_l),   f_w(x) = W_{L+1} a_L + b_{L+1},

and all its parameters live in one float64 vector ``w`` of length M (eq. 3 of
Jiang (2019)): for each layer in turn, ``W_l`` row by row, then ``b_l``.
``MLP.__call__`` is written with ``autograd.numpy`` so that gradients, Jacobians and
Hessians in ``w`` come from autograd; ``layer_factors`` is a hand-written,
vectorized backward pass that gives every per-sample derivative in factored form.
"""

from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
from autograd.tracer import isbox

from . import _checks
from .activations import ACTIVATIONS

__all__ = ["MLP", "per_sample_gradients"]


@dataclass(frozen=True)
class MLP:
    """A fully connected network with scalar output.

    Parameters
    ----------
    d : int
        Input dimension.
    widths : tuple of int
        Hidden layer widths ``(m_1, ..., m_L)``, ``L >= 1``.
    activation : str
        One of ``canon.ACTIVATIONS`` (``'tanh'``, ``'relu'``, ``'sigmoid'``, ``'softplus'``).

    Examples
    --------
    >>> net = MLP(d=2, widths=(8,), activation="relu")
    >>> net.M                  # 8 * (2 + 1) + 8 + 1
    33
    """

    d: int
    widths: tuple
    activation: str = "tanh"

    def __post_init__(self):
        object.__setattr__(self, "d", _checks.integer("d", self.d, minimum=1))
        widths = self.widths
        if isinstance(widths, (int, np.integer)):
            widths = (widths,)
        try:
            widths = tuple(widths)
        except TypeError:
            _checks.fail("widths", "a tuple of hidden layer widths", repr(widths), TypeError)
        if len(widths) == 0:
            _checks.fail("widths", "at least one hidden layer", "()")
        widths = tuple(_checks.integer(f"widths[{i}]", m, minimum=1) for i, m in enumerate(widths))
        object.__setattr__(self, "widths", widths)
        _checks.choice("activation", self.activation, tuple(ACTIVATIONS))

    @property
    def layer_shapes(self):
        """``[(out, in), ...]`` for every weight matrix, the output layer last."""
        sizes = (self.d,) + self.widths + (1,)
        return [(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]

    @property
    def depth(self):
        """Number of hidden layers L."""
        return len(self.widths)

    @property
    def M(self):
        """Number of parameters."""
        return sum(out * (inp + 1) for out, inp in self.layer_shapes)

    def layer_slices(self):
        """Return ``[(slice of W_l, slice of b_l), ...]`` into the flat vector."""
        slices, start = [], 0
        for out, inp in self.layer_shapes:
            weights = slice(start, start + out * inp)
            biases = slice(weights.stop, weights.stop + out)
            slices.append((weights, biases))
            start = biases.stop
        return slices

    def parameter_names(self):
        """Return a readable name for every entry of w, e.g. ``'W1[0,1]'``, ``'b2[3]'``."""
        names = []
        for l, (out, inp) in enumerate(self.layer_shapes, start=1):
            names += [f"W{l}[{o},{i}]" for o in range(out) for i in range(inp)]
            names += [f"b{l}[{o}]" for o in range(out)]
        return names

    def unpack(self, w):
        """Split a flat vector into ``[(W_1, b_1), ..., (W_{L+1}, b_{L+1})]``.

        Parameters
        ----------
        w : ndarray, shape (M,)

        Returns
        -------
        list of (ndarray, ndarray)
            Views (or autograd boxes) of shapes ``(out, in)`` and ``(out,)``.
        """
        w = self.check_parameters(w)
        return [
            (anp.reshape(w[ws], shape), w[bs])
            for (ws, bs), shape in zip(self.layer_slices(), self.layer_shapes)
        ]

    def pack(self, layers):
        """Inverse of :meth:`unpack`: concatenate ``[(W, b), ...]`` into one vector."""
        if len(layers) != len(self.layer_shapes):
            _checks.fail("layers", f"{len(self.layer_shapes)} (W, b) pairs", len(layers))
        parts = []
        for l, ((W, b), shape) in enumerate(zip(layers, self.layer_shapes), start=1):
            W = _checks.array(f"W{l}", W, shape=shape)
            b = _checks.array(f"b{l}", b, shape=(shape[0],))
            parts += [W.ravel(), b]
        return np.concatenate(parts)

    def check_parameters(self, w):
        """Return w if it is a finite vector of length M (autograd boxes pass through)."""
        if isbox(w):
            if anp.shape(w) != (self.M,):
                _checks.fail("w", f"a parameter vector of shape ({self.M},)", f"shape {anp.shape(w)}")
            return w
        return _checks.array("w", w, shape=(self.M,))

    def check_inputs(self, x):
        """Return x as a finite ``(T, d)`` float array."""
        if isbox(x):
            return x
        x = _checks.array("x", x, ndim=2, shape=(None, self.d))
        if x.shape[0] == 0:
            _checks.fail("x", "at least one input point", "an empty array")
        return x

    def __call__(self, w, x):
        """Evaluate ``f_w`` at the rows of x; differentiable by autograd in w and x.

        Parameters
        ----------
        w : ndarray, shape (M,)
        x : ndarray, shape (T, d)

        Returns
        -------
        ndarray, shape (T,)
        """
        x = self.check_inputs(x)
        sigma = ACTIVATIONS[self.activation][0]
        layers = self.unpack(w)
        a = x
        for W, b in layers[:-1]:
            a = sigma(anp.dot(a, W.T) + b)
        W, b = layers[-1]
        return anp.dot(a, W[0]) + b[0]

    def hidden_preactivations(self, w, x):
        """Return ``[z_1, ..., z_L]``, each ``(T, m_l)``: ``z_l = W_l a_{l-1} + b_l``."""
        x = self.check_inputs(x)
        w = self.check_parameters(w)
        sigma = ACTIVATIONS[self.activation][0]
        layers = self.unpack(w)
        a, pre = x, []
        for W, b in layers[:-1]:
            z = a @ W.T + b
            pre.append(z)
            a = sigma(z)
        return pre

    def layer_factors(self, w, x):
        """Per-sample derivatives in factored form, from one vectorized backward pass.

        For each layer l (the output layer last) returns ``(a, delta)`` with
        ``a = a_{l-1}`` of shape ``(T, in)`` and ``delta = df/dz_l`` of shape
        ``(T, out)``, so that

            df(x_t)/dW_l[o, i] = delta[t, o] * a[t, i],   df(x_t)/db_l[o] = delta[t, o].

        Parameters
        ----------
        w : ndarray, shape (M,)
        x : ndarray, shape (T, d)

        Returns
        -------
        list of (ndarray, ndarray)
        """
        w = self.check_parameters(w)
        x = self.check_inputs(x)
        sigma, sigma_prime = ACTIVATIONS[self.activation][:2]
        layers = self.unpack(w)
        inputs, slopes, a = [], [], x
        for W, b in layers[:-1]:
            z = a @ W.T + b
            inputs.append(a)
            slopes.append(sigma_prime(z))
            a = sigma(z)
        inputs.append(a)
        deltas = [np.ones((len(x), 1))]
        for (W, _), slope in zip(reversed(layers[1:]), reversed(slopes)):
            deltas.append((deltas[-1] @ W) * slope)
        return list(zip(inputs, reversed(deltas)))


def per_sample_gradients(net, w, x):
    """Return the Jacobian ``J[t, i] = df_w(x_t)/dw_i`` of shape ``(T, M)``.

    Built from :meth:`MLP.layer_factors`; it holds T x M numbers, so use it for
    data sets, not for fine grids (see ``canon.disparity_matrix``).

    Parameters
    ----------
    net : MLP
    w : ndarray, shape (M,)
    x : ndarray, shape (T, d)

    Returns
    -------
    ndarray, shape (T, M)
    """
    _check_net(net)
    factors = net.layer_factors(w, x)
    blocks = []
    for a, delta in factors:
        blocks.append((delta[:, :, None] * a[:, None, :]).reshape(len(a), -1))
        blocks.append(delta)
    return np.concatenate(blocks, axis=1)


def _check_net(net):
    if not isinstance(net, MLP):
        _checks.fail("net", "a canon.MLP", type(net).__name__, TypeError)
