"""The disparity matrix in JAX (float64, CPU): the idiomatic routes and a hand-fused one.

Each ``build_*`` returns ``(compile, run)``: ``compile()`` lowers and compiles (timed
apart), ``run()`` computes H as a numpy array of shape (M, K) in canon's basis.
"""

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import canon  # noqa: E402

from axis_basis import axis_table, block_size, combination  # noqa: E402


def _forward(net):
    """``f(w, x)`` for one point x of shape (d,), over canon's flat parameter vector."""
    slices = net.layer_slices()
    shapes = net.layer_shapes

    def f(w, x):
        a = x
        for (ws, bs), shape in zip(slices[:-1], shapes[:-1]):
            a = jnp.tanh(w[ws].reshape(shape) @ a + w[bs])
        (ws, bs), shape = slices[-1], shapes[-1]
        return (w[ws].reshape(shape) @ a + w[bs])[0]

    return f


def _basis(space):
    return canon.basis_matrix(space.omega, space.grid.points) / space.grid.N


def _aot(fun, *args):
    """Compile ``fun`` for ``args``; return (compile thunk, run thunk)."""
    state = {}

    def compile_():
        state["exe"] = jax.jit(fun).lower(*args).compile()

    def run():
        if "exe" not in state:
            compile_()
        return np.asarray(state["exe"](*args))

    return compile_, run


def build_vmap_grad(net, w, space, chunk=None):
    """``jit(vmap(grad(f)))`` over the grid (N x M per-sample gradients), then ``J.T @ E``.

    With ``chunk`` the grid is taken ``chunk`` points at a time (the same program on
    each chunk, the products summed), for nets whose N x M Jacobian does not fit.
    """
    f = _forward(net)
    X = jnp.asarray(space.grid.points)
    E = jnp.asarray(_basis(space))
    wj = jnp.asarray(w)
    per_sample = jax.vmap(jax.grad(f), in_axes=(None, 0))

    def full(w, X, E):
        return per_sample(w, X).T @ E

    if chunk is None or chunk >= len(X):
        return _aot(full, wj, X, E)
    N = len(X)
    assert N % chunk == 0
    Xc = X.reshape(N // chunk, chunk, -1)
    Ec = E.reshape(N // chunk, chunk, -1)

    def chunked(w, Xc, Ec):
        def step(acc, xe):
            return acc + full(w, xe[0], xe[1]), None

        acc0 = jnp.zeros((w.shape[0], Ec.shape[-1]))
        return jax.lax.scan(step, acc0, (Xc, Ec))[0]

    return _aot(chunked, wj, Xc, Ec)


def build_jacrev(net, w, space):
    """``jacrev`` of the N grid outputs (an N x M Jacobian), then ``J.T @ E``."""
    f = _forward(net)
    X = jnp.asarray(space.grid.points)
    E = jnp.asarray(_basis(space))
    batch = jax.vmap(f, in_axes=(None, 0))

    def run(w, X, E):
        return jax.jacrev(batch)(w, X).T @ E

    return _aot(run, jnp.asarray(w), X, E)


def _factors(net, w, X):
    """Hand-written backward pass: ``[(a_ext, delta), ...]`` with a_ext = [a_{l-1}, 1]."""
    slices, shapes = net.layer_slices(), net.layer_shapes
    layers = [(w[ws].reshape(shape), w[bs]) for (ws, bs), shape in zip(slices, shapes)]
    a, inputs, slopes = X, [], []
    for W, b in layers[:-1]:
        z = a @ W.T + b
        inputs.append(a)
        t = jnp.tanh(z)
        slopes.append(1.0 - t * t)
        a = t
    inputs.append(a)
    deltas = [jnp.ones((X.shape[0], 1))]
    for (W, _), slope in zip(reversed(layers[1:]), reversed(slopes)):
        deltas.append((deltas[-1] @ W) * slope)
    ones = jnp.ones((X.shape[0], 1))
    return [(jnp.concatenate([a, ones], axis=1), delta) for a, delta in zip(inputs, reversed(deltas))]


def _separable(u, v, R, n, d, ia, ca, ib, cb, block):
    """``T[k, p, r] = sum_x u[x, p] v[x, r] e_k(x)`` for all k, p, r: shape (K, P, Rv).

    d = 2: the last grid axis is summed first (a batched product over the first axis,
    with u weighted by the axis table), then the first axis (one product); d = 1: one
    product. The basis index stays first so the final map is a gather of whole rows.
    Units p are taken ``block`` at a time (lax.map) to bound memory.
    """
    N, P = u.shape
    Rv = v.shape[1]
    Wd = R.shape[1]

    def one(ub):                                   # ub: (N, b)
        b = ub.shape[1]
        if d == 1 and Wd > Rv:
            # many frequencies: form the derivative rows of the block, then one product
            T = R.T @ (ub[:, :, None] * v[:, None, :]).reshape(N, b * Rv)          # (W, b*Rv)
        elif d == 1:
            weighted = (R[:, :, None] * ub[:, None, :]).reshape(N, Wd * b)
            T = weighted.T @ v                                                   # (W*b, Rv)
        else:
            weighted = (R[None, :, :, None] * ub.reshape(n, n, 1, b)).reshape(n, n, Wd * b)
            G = jnp.einsum("jxp,jxr->jpr", weighted, v.reshape(n, n, Rv))        # (n1, W2*b, Rv)
            T = R.T @ G.reshape(n, -1)                                           # (W1, W2*b*Rv)
        T = T.reshape(-1, b * Rv)
        return (ca[:, None] * T[ia] + cb[:, None] * T[ib]).reshape(-1, b, Rv)  # (K, b, Rv)

    blocks = u.reshape(N, P // block, block).transpose(1, 0, 2)
    out = jax.lax.map(one, blocks)                  # (P/block, K, block, Rv)
    return out.transpose(1, 0, 2, 3).reshape(-1, P, Rv)


def build_fused(net, w, space, budget=2**23):
    """Hand-fused: one backward pass, then per layer the separable contraction, no Jacobian.

    H is built transposed, (K, M), and its transpose returned (a view, like canon's).
    """
    grid = space.grid
    n, d, N = grid.n, grid.d, grid.N
    B = space.omega.max_abs_frequency
    R = jnp.asarray(axis_table(n, B))
    ia, ca, ib, cb = (jnp.asarray(t) for t in combination(space))
    X = jnp.asarray(grid.points)
    Wd = 2 * B + 1

    def per_unit(other):
        # floats held per unit of a block: the weighted factor, then G (d = 2) or T
        if d == 1 and Wd > other:
            return N * other + Wd * other
        return N * Wd + (n * Wd if d == 2 else Wd) * other

    def run(w, X):
        cols = []
        for a_ext, delta in _factors(net, w, X):
            out, inp1 = delta.shape[1], a_ext.shape[1]
            # weight the narrower factor by the axis table: the weighted array is smaller
            if out <= inp1:
                blk = block_size(out, per_unit(inp1), budget)
                T = _separable(delta, a_ext, R, n, d, ia, ca, ib, cb, blk)                   # (K, out, in+1)
            else:
                blk = block_size(inp1, per_unit(out), budget)
                T = _separable(a_ext, delta, R, n, d, ia, ca, ib, cb, blk).transpose(0, 2, 1)
            cols.append(T[:, :, :-1].reshape(T.shape[0], -1))   # W_l, row by row
            cols.append(T[:, :, -1])                             # b_l
        return jnp.concatenate(cols, axis=1)

    compile_, run_t = _aot(run, jnp.asarray(w), X)
    return compile_, (lambda: run_t().T)
