"""The separable route to the disparity matrix: real tensor-product bases on the grid.

On the midpoint grid every real Fourier basis function of a cube ``|k|_inf <= B``
is a short combination of products of one-dimensional real functions

    r_0(t) = 1,   r_q(t) = cos(2 pi q t),   r_{B+q}(t) = sin(2 pi q t)    (q = 1..B)

one per axis (by ``cos(a + b) = cos a cos b - sin a sin b`` and its sine twin). So
the coefficients of a function on the tensor-product basis are taken one grid axis at
a time, each a matrix product with an ``n x (2B + 1)`` real matrix, and a fixed sparse
map (at most ``2**(d-1)`` terms per column) turns them into the book's basis.

For the derivatives ``df(x)/dW[o, i] = delta[x, o] a[x, i]`` of one layer this gives
``H_W`` without forming a derivative on the grid: along the last axis the weights
``delta * r`` meet ``a`` in one batched matrix product (inner size n), and the other
axes are contracted afterwards, on data already n times smaller. The work is about
``2 M N (2B + 1)`` flops, all of it BLAS-3, against ``2 M N K`` for a dense basis.

What is not BLAS is memory traffic, and it set the time of the 1e6-parameter case
(d = 2, widths 1024, K = 225; measured): the first product's output is kept in cache
by taking wide factors in tiles, the gathers run in cache-resident buffers and write
each value of H once, and H's pages are touched in order before the strided writes
(:func:`empty_output`).
"""

import itertools

import numpy as np

__all__ = []

# Float64 values of H from which its pages are touched in order first (empty_output): 128 MB.
PREFAULT_FROM = 2**24
TILE_CACHE = 2**20


def axis_functions(n, B):
    """Return the 1-d real functions ``r_0 .. r_2B`` at the n midpoints, shape (n, 2B + 1)."""
    t = (np.arange(n) + 0.5) / n
    phase = 2 * np.pi * np.outer(t, np.arange(1, B + 1))
    return np.concatenate([np.ones((n, 1)), np.cos(phase), np.sin(phase)], axis=1)


def tensor_to_real(omega, B):
    """The sparse map from tensor-product coefficients to the book's real basis.

    Parameters
    ----------
    omega : Omega
        The truncation set, inside the cube ``|k|_inf <= B``.
    B : int

    Returns
    -------
    index, weight : ndarray, shape (terms, K)
        ``e_k = sum_s weight[s, k] * prod_j r_{t_j}`` with ``t = unravel(index[s, k])``
        in the C order of ``(2B + 1,) * d``; unused terms have weight 0.
    """
    d, r = omega.d, 2 * B + 1
    half = omega.half
    terms = 2 ** max(d - 1, 0)
    index = np.zeros((terms, omega.K), dtype=np.int64)
    weight = np.zeros((terms, omega.K))
    weight[0, 0] = 1.0                                   # e_0 = 1 = prod_j r_0
    h = len(half)
    root2 = np.sqrt(2.0)
    for column, k in enumerate(half):
        # exp(i 2 pi k.x) = prod_j (cos_j + i sign_j sin_j): expand, keep Re and Im.
        active = [j for j in range(d) if k[j] != 0]
        cos_terms, sin_terms = [], []
        for chosen in itertools.product((0, 1), repeat=len(active)):
            t = [0] * d
            sign = 1.0
            for j, use_sin in zip(active, chosen):
                q = abs(int(k[j]))
                t[j] = B + q if use_sin else q
                if use_sin and k[j] < 0:
                    sign = -sign
            s = sum(chosen)                              # i**s
            flat = int(np.ravel_multi_index(tuple(t), (r,) * d))
            if s % 2 == 0:
                cos_terms.append((flat, sign * (-1) ** (s // 2)))
            else:
                sin_terms.append((flat, sign * (-1) ** (s // 2)))
        for slot, (flat, value) in enumerate(cos_terms):
            index[slot, 1 + column], weight[slot, 1 + column] = flat, root2 * value
        for slot, (flat, value) in enumerate(sin_terms):
            index[slot, 1 + h + column], weight[slot, 1 + h + column] = flat, root2 * value
    return index, weight


def layer_rows(a, delta, grid, R, index, weight, out, block_elements=None, pool=None, workers=1):
    """Write the rows of H for one layer, ``(1/N) sum_x delta[x, o] a[x, i] e_k(x)``.

    Parameters
    ----------
    a : ndarray, shape (N, inputs)
    delta : ndarray, shape (N, units)
    grid : Grid
    R : ndarray, shape (n, r)
        :func:`axis_functions` on the grid's axis.
    index, weight : ndarray
        :func:`tensor_to_real`.
    out : ndarray, shape (K, units * inputs)
        Receives ``H_W`` transposed (o-major columns): the basis index first keeps
        every step below a product of contiguous matrices or a gather of whole rows.
    block_elements : int, optional
        Float64 values in the largest intermediate of one block. Default: 2**20
        (8 MB, small enough to stay in cache between the two matrix products) or
        four units' worth, whichever is larger; where four units of the wide factor
        exceed it (``TILE_CACHE``, or ``block_elements`` when given), the wide factor
        is taken in tiles of columns as well.
    pool : concurrent.futures.Executor, optional
        Threads to share the blocks (numpy releases the GIL in all of them); each
        block writes its own columns of ``out``, so the result does not depend on it.
    workers : int
        How many of the pool's threads to use.
    """
    n, d, N = grid.n, grid.d, grid.N
    inputs, units = a.shape[1], delta.shape[1]
    r = R.shape[1]
    K = index.shape[1]
    lead = N // n
    # Blocks run over the factor with fewer columns (p); the other (q) stays whole,
    # so the matrix products get the wide factor as a dimension.
    swap = inputs < units
    left, right = (a, delta / N) if swap else (delta, a / N)
    p, q = left.shape[1], right.shape[1]
    left = left.reshape(lead, n, p)
    right = right.reshape(lead, n, q)
    # Along the last grid axis: if q < r, form the block's derivatives (N x block*q) and
    # multiply by R^T; otherwise weight the left factor by R (N x r*block) and multiply
    # by the right factor. Same flops; the smaller elementwise product wins.
    rows_first = q < r
    target = out.view()
    target.shape = (K, units, inputs)          # a view of out, never a silent copy
    # The block's largest arrays: (lead, n or r, block, q) for rows first, (lead, r, block, q)
    # else. When four units of the wide factor would not fit the cache (width ~300 and
    # more in d = 2), weighting the left factor also takes q in tiles: the first product's
    # output stays in cache for the second and for the gathers (1.3x faster at width 1024,
    # measured), with the same sums in the same order.
    tile = q
    if not rows_first:
        cache = TILE_CACHE if block_elements is None else block_elements
        tiles = -(-4 * lead * r * q // cache) if 4 * lead * r * q > cache else 1
        tile = -(-q // min(tiles, q))
    per_unit = lead * (max(n, r) if rows_first else r) * tile
    if block_elements is None:
        # cache-sized, but at least 4 units: tiny products cost more in overhead (measured)
        block_elements = max(2**20, 4 * per_unit)
    step = max(1, min(p, block_elements // per_unit))
    starts = list(range(0, p, step))
    columns = [(c, min(q, c + tile)) for c in range(0, q, tile)]

    weights = [column[:, None] for column in weight]

    def run(my_starts):
        scratch = np.empty((lead, n, step, q) if rows_first else (lead, n, r, step))
        for start in my_starts:
            stop = min(p, start + step)
            block = stop - start
            if not rows_first:
                weighted = scratch[..., :block]
                np.multiply(R[None, :, :, None], left[:, :, None, start:stop], out=weighted)
            for first, last in columns:
                width = last - first
                if rows_first:
                    rows = scratch[:, :, :block, :]
                    np.multiply(left[:, :, start:stop, None], right[:, :, None, :], out=rows)
                    tensor = np.matmul(R.T, rows.reshape(lead, n, block * q))      # (lead, r, block*q)
                else:
                    tensor = np.matmul(weighted.reshape(lead, n, r * block).transpose(0, 2, 1),
                                       right[:, :, first:last])                   # (lead, r*block, width)
                # the other grid axes, last to first: each a product with R^T, new index in place
                for axis in range(d - 2, -1, -1):
                    tensor = np.matmul(R.T, tensor.reshape(n**axis, n, -1))
                # tensor is (t_1, ..., t_d, block, width): the real basis by whole-row
                # gathers (of a tile: in cache), then one write to out
                tensor = tensor.reshape(r**d, block * width)
                real = np.take(tensor, index[0], axis=0)
                real *= weights[0]
                for s in range(1, len(index)):
                    real += np.take(tensor, index[s], axis=0) * weights[s]
                real = real.reshape(K, block, width)
                if swap:
                    target[:, first:last, start:stop] = real.transpose(0, 2, 1)
                else:
                    target[:, start:stop, first:last] = real

    workers = min(workers, len(starts)) if pool is not None else 1
    if workers <= 1:
        run(starts)
    else:
        # list() re-raises a worker's exception here
        list(pool.map(run, [starts[i::workers] for i in range(workers)]))


def empty_output(K, M, pool=None, workers=1):
    """Return an uninitialised (K, M) array for H transposed, its pages already touched.

    The blocks of :func:`layer_rows` write every one of the K rows a little at a time:
    memory touched for the first time in that strided order cost up to 2 s per GB
    here (page faults), against about 0.15 s per GB written once from start to end
    (measured on the benchmark's 1e6-parameter case). So a large array is first
    filled with zeros in order, a contiguous share per thread.
    """
    out = np.empty((K, M))
    if out.size < PREFAULT_FROM:
        return out
    flat = out.reshape(-1)
    workers = workers if pool is not None else 1
    edges = np.linspace(0, flat.size, workers + 1).astype(np.int64)

    def touch(i):
        flat[edges[i]:edges[i + 1]] = 0.0

    if workers <= 1:
        touch(0)
    else:
        list(pool.map(touch, range(workers)))
    return out
