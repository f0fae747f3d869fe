"""The disparity matrix in PyTorch (torch.func, float64, CPU): vmap(grad) and a hand-fused route.

Each ``build_*`` returns ``(compile, run)`` like ``routes_jax``; torch runs eagerly, so
``compile`` does nothing.
"""

import numpy as np
import torch
from torch.func import grad, vmap

import canon

from axis_basis import axis_table, block_size, combination

torch.set_default_dtype(torch.float64)


def _forward(net):
    """``f(w, x)`` for one point x of shape (d,), over canon's flat parameter vector."""
    slices = net.layer_slices()
    shapes = net.layer_shapes

    def f(w, x):
        a = x
        for (ws, bs), shape in zip(slices[:-1], shapes[:-1]):
            a = torch.tanh(w[ws].reshape(shape) @ a + w[bs])
        (ws, bs), shape = slices[-1], shapes[-1]
        return (w[ws].reshape(shape) @ a + w[bs])[0]

    return f


def build_vmap_grad(net, w, space, chunk=None):
    """``vmap(grad(f))`` over the grid (N x M per-sample gradients), then ``J.T @ E``.

    With ``chunk`` the grid is taken ``chunk`` points at a time and the products summed.
    """
    f = _forward(net)
    X = torch.from_numpy(space.grid.points)
    E = torch.from_numpy(canon.basis_matrix(space.omega, space.grid.points) / space.grid.N)
    wt = torch.from_numpy(np.array(w))
    per_sample = vmap(grad(f), in_dims=(None, 0))
    N = len(X)
    step = N if chunk is None else chunk

    def run():
        with torch.no_grad():
            H = torch.zeros(len(wt), E.shape[1])
            for start in range(0, N, step):
                H += per_sample(wt, X[start:start + step]).T @ E[start:start + step]
        return H.numpy()

    return (lambda: None), run


def _factors(net, w, X):
    """Hand-written backward pass: ``[(a_ext, delta), ...]`` with a_ext = [a_{l-1}, 1]."""
    slices, shapes = net.layer_slices(), net.layer_shapes
    layers = [(w[ws].reshape(shape), w[bs]) for (ws, bs), shape in zip(slices, shapes)]
    a, inputs, slopes = X, [], []
    for W, b in layers[:-1]:
        t = torch.tanh(torch.addmm(b, a, W.T))
        inputs.append(a)
        slopes.append(1.0 - t * t)
        a = t
    inputs.append(a)
    deltas = [torch.ones(X.shape[0], 1)]
    for (W, _), slope in zip(reversed(layers[1:]), reversed(slopes)):
        deltas.append((deltas[-1] @ W) * slope)
    ones = torch.ones(X.shape[0], 1)
    return [(torch.cat([a, ones], dim=1), delta) for a, delta in zip(inputs, reversed(deltas))]


def build_fused(net, w, space, budget=2**23):
    """Hand-fused: one backward pass, then per layer the separable contraction, no Jacobian.

    H is written transposed, as a (K, M) array whose transpose is returned (a view, like
    canon's): every block's result is a gather of whole rows, stored without a copy of H.
    """
    grid = space.grid
    n, d, N = grid.n, grid.d, grid.N
    B = space.omega.max_abs_frequency
    Wd = 2 * B + 1
    R = torch.from_numpy(axis_table(n, B))
    RT = R.T.contiguous()
    ia, ca, ib, cb = combination(space)
    ia, ib = torch.from_numpy(ia), torch.from_numpy(ib)
    ca, cb = torch.from_numpy(ca)[:, None], torch.from_numpy(cb)[:, None]
    X = torch.from_numpy(grid.points)
    wt = torch.from_numpy(np.array(w))
    K = space.K

    def per_unit(other):
        if d == 1 and Wd > other:
            return N * other + Wd * other
        return N * Wd + (n * Wd if d == 2 else Wd) * other

    def separable(u, v, emit):
        """T[k, p, r] = sum_x u[x, p] v[x, r] e_k(x) for blocks of p; emit(start, T) stores it."""
        P, Rv = u.shape[1], v.shape[1]
        b = block_size(P, per_unit(Rv), budget)
        v_grid = v.reshape(n, n, Rv) if d == 2 else v
        for start in range(0, P, b):
            ub = u[:, start:start + b]
            if d == 1 and Wd > Rv:
                # many frequencies: form the derivative rows of the block, then one product
                T = RT @ (ub[:, :, None] * v[:, None, :]).reshape(N, b * Rv)            # (W, b*Rv)
            elif d == 1:
                weighted = (R[:, :, None] * ub[:, None, :]).reshape(N, Wd * b)          # (x, W*b)
                T = weighted.T @ v                                                      # (W*b, Rv)
            else:
                weighted = (R[None, :, :, None] * ub.reshape(n, n, 1, b)).reshape(n, n, Wd * b)
                G = torch.bmm(weighted.transpose(1, 2), v_grid)                         # (n1, W2*b, Rv)
                T = RT @ G.reshape(n, -1)                                               # (W1, W2*b*Rv)
            T = T.reshape(-1, b * Rv)                                                   # rows: basis pairs
            emit(start, torch.addcmul(ca * T[ia], cb, T[ib]).reshape(K, b, Rv))

    def run():
        with torch.no_grad():
            HT = torch.empty(K, net.M)
            col = 0
            for a_ext, delta in _factors(net, wt, X):
                out, inp = delta.shape[1], a_ext.shape[1] - 1
                Wcols, bcols = col, col + out * inp       # W_l row by row, then b_l

                def store(o0, T):                         # T: (K, units, inputs + 1)
                    b = T.shape[1]
                    HT[:, Wcols + o0 * inp:Wcols + (o0 + b) * inp] = T[:, :, :inp].reshape(K, b * inp)
                    HT[:, bcols + o0:bcols + o0 + b] = T[:, :, inp]

                if out <= inp + 1:
                    separable(delta, a_ext, store)
                else:                                     # weight the narrow factor (first layer)
                    tmp = torch.empty(K, inp + 1, out)

                    def keep(i0, T):
                        tmp[:, i0:i0 + T.shape[1]] = T

                    separable(a_ext, delta, keep)
                    store(0, tmp.transpose(1, 2))
                col = bcols + out
        return HT.numpy().T

    return (lambda: None), run
