"""Per-axis real Fourier factors of canon's basis on the cube, shared by the hand-fused routes.

On the midpoint grid each basis function of a cube ``|k|_inf <= B`` in d = 1 or 2 is a
product of one-axis cosines and sines,

    cos(2 pi (k1 x1 + k2 x2)) = c_k1(x1) c_k2(x2) - s_k1(x1) s_k2(x2),
    sin(2 pi (k1 x1 + k2 x2)) = s_k1(x1) c_k2(x2) + c_k1(x1) s_k2(x2),

with ``c_k = cos(2 pi k x)`` and ``s_k = sin(2 pi k x)`` (``s_-k = -s_k``). A route that
computes ``T[p1, p2] = sum_x u v R[x1, p1] R[x2, p2]`` against the per-axis table
``R = [c_0, ..., c_B, s_1, ..., s_B]`` (n x (2B + 1)) gets every column of H from two
entries of T: ``H[:, k] = ca[k] T[ia[k]] + cb[k] T[ib[k]]``, in canon's basis order and
with its normalisations (1/N, sqrt(2)).
"""

import numpy as np


def axis_table(n, B):
    """The table ``R = [c_0..c_B, s_1..s_B]`` on the n midpoints of one axis, shape (n, 2B+1)."""
    x = (np.arange(n) + 0.5) / n
    phase = 2 * np.pi * np.outer(x, np.arange(B + 1))
    return np.concatenate([np.cos(phase), np.sin(phase[:, 1:])], axis=1)


def combination(space):
    """Index and coefficient arrays ``ia, ca, ib, cb`` (each of length K) into flattened T.

    Works for any Omega inside the cube of its largest frequency, in d = 1 or d = 2.
    """
    omega, grid = space.omega, space.grid
    d, N = grid.d, grid.N
    if d not in (1, 2):
        raise ValueError("the hand-fused routes are written for d = 1 and d = 2")
    B = omega.max_abs_frequency
    W = 2 * B + 1

    def cos_col(k):
        return abs(k)

    def sin_col(k):
        return B + abs(k)  # only used with k != 0

    root2 = np.sqrt(2.0) / N
    ia, ca, ib, cb = [0], [1.0 / N], [0], [0.0]   # the constant: c_0 (x) c_0
    half = omega.half
    for part in ("cos", "sin"):
        for k in half:
            if d == 1:
                (k1,) = k
                ia.append(cos_col(k1) if part == "cos" else sin_col(k1))
                ca.append(root2)
                ib.append(0)
                cb.append(0.0)
                continue
            k1, k2 = (int(v) for v in k)
            s1, s2 = np.sign(k1), np.sign(k2)
            if part == "cos":   # c1 c2 - s1 s2
                ia.append(cos_col(k1) * W + cos_col(k2))
                ca.append(root2)
                if s1 and s2:
                    ib.append(sin_col(k1) * W + sin_col(k2))
                    cb.append(-root2 * s1 * s2)
                else:
                    ib.append(0)
                    cb.append(0.0)
            else:               # s1 c2 + c1 s2
                terms = []
                if s1:
                    terms.append((sin_col(k1) * W + cos_col(k2), root2 * s1))
                if s2:
                    terms.append((cos_col(k1) * W + sin_col(k2), root2 * s2))
                terms.append((0, 0.0))
                (i1, c1), (i2, c2) = terms[0], terms[1]
                ia.append(i1)
                ca.append(c1)
                ib.append(i2)
                cb.append(c2)
    return (np.array(ia), np.array(ca), np.array(ib), np.array(cb))


def layer_order(net):
    """``[(out, in), ...]`` of canon's flat parameter layout (W row by row, then b, per layer)."""
    return net.layer_shapes


def block_size(P, per_unit, budget=2**24):
    """Largest divisor b of P with ``b * per_unit <= budget`` (at least 1)."""
    best = 1
    for b in range(1, P + 1):
        if P % b == 0 and b * per_unit <= budget:
            best = b
    return best
