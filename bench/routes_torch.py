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


def build_fused(net, w, space, budget=2**24):
    """Hand-fused: one backward pass, then per layer the separable contraction, no Jacobian."""
    grid = space.grid
    n, d, N = grid.n, grid.d, grid.N
    B = space.omega.max_abs_frequency
    Wd = 2 * B + 1
    R = torch.from_numpy(axis_table(n, B))
    ia, ca, ib, cb = combination(space)
    ia, ib = torch.from_numpy(ia), torch.from_numpy(ib)
    ca, cb = torch.from_numpy(ca), torch.from_numpy(cb)
    X = torch.from_numpy(grid.points)
    wt = torch.from_numpy(np.array(w))
    K = space.K

    def per_unit(other):
        return N * Wd + (n * Wd if d == 2 else Wd) * other

    def separable(u, v, out):
        """out[p, r, k] = sum_x u[x, p] v[x, r] e_k(x), u weighted per axis, blocks of units."""
        P, Rv = u.shape[1], v.shape[1]
        b = block_size(P, per_unit(Rv), budget)
        v_grid = v.reshape(n, n, Rv) if d == 2 else v
        for start in range(0, P, b):
            ub = u[:, start:start + b]
            if d == 1:
                weighted = (ub[:, :, None] * R[:, None, :]).reshape(N, b * Wd)
                T = (weighted.T @ v).reshape(b, Wd, Rv).transpose(1, 2)
            else:
                weighted = (ub.reshape(n, n, b, 1) * R[None, :, None, :]).reshape(n, n, b * Wd)
                G = torch.bmm(weighted.transpose(1, 2), v_grid)                  # (n1, b*W2, Rv)
                T = (R.T @ G.reshape(n, -1)).reshape(Wd, b, Wd, Rv)              # (W1, b, W2, Rv)
                T = T.permute(1, 3, 0, 2).reshape(b, Rv, Wd * Wd)
            torch.add(ca * T[..., ia], cb * T[..., ib], out=out[start:start + b])

    def run():
        with torch.no_grad():
            H = torch.empty(net.M, K)
            row = 0
            for a_ext, delta in _factors(net, wt, X):
                out, inp1 = delta.shape[1], a_ext.shape[1]
                Hl = torch.empty(out, inp1, K)
                if out <= inp1:
                    separable(delta, a_ext, Hl)
                else:
                    tmp = torch.empty(inp1, out, K)
                    separable(a_ext, delta, tmp)
                    Hl = tmp.transpose(0, 1)
                H[row:row + out * (inp1 - 1)] = Hl[:, :-1, :].reshape(-1, K)
                row += out * (inp1 - 1)
                H[row:row + out] = Hl[:, -1, :]
                row += out
        return H.numpy()

    return (lambda: None), run
