"""Sparse Cholesky solver for symmetric positive definite stencil systems on a pixel grid.

Plain arrays in, no validation (numba kernels; :func:`solve_in_hole` strings them together).
The unknowns are the pixels of a hole ``(ys, xs)``; row ``p`` of the matrix couples ``p`` with
the pixels ``p + (dy[o], dx[o])`` of a fixed stencil, with the coefficient
``coefficients[i, o]`` (``i`` the pixel's index in ``ys, xs``; offset 0 is the centre, the
diagonal). Neighbours in the hole are unknowns; known neighbours move, times their value, to
the right-hand side; neighbours outside the image are skipped. The stencil must be symmetric
(``-offset`` is an offset, with the same coefficient seen from the other pixel), and the
matrix positive definite. The harmonic (5-point Laplacian) and biharmonic (its square,
13 points) methods pass their stencils here, so one set of compiled kernels serves both.

The system is factorised by the multifrontal method in a geometric nested-dissection order:

1. :func:`nested_dissection` splits the hole pixels recursively by separators as wide as the
   stencil's reach (a thinner cut would leave the two sides coupled) and returns an
   elimination order in which every separator follows the two parts it separates.
2. :func:`symbolic_factor` finds, for each node of that tree, its *update set*: the pixels of
   later (ancestor) separators that its subtree touches.
3. :func:`numeric_factor` assembles each node's dense frontal matrix from the stencil and its
   children's update matrices, factors the node's own pixels and passes the Schur complement
   up.
4. :func:`solve_and_scatter` builds the right-hand side, runs the forward and backward
   substitutions and writes the solution into the image.

The dense work (Cholesky, triangular solve, Schur update) is done by the loops below rather
than by BLAS: they run at about the speed of single-threaded BLAS, give the same bits for
any thread setting, and cannot oversubscribe a busy machine with BLAS threads. The kernels
take the stencil as arrays (not as compile-time constants or a coefficient function), so
each compiles once, for every stencil.

All index arrays are int64; a pixel's *rank* is its position in the elimination order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["solve_in_hole", "nested_dissection", "symbolic_factor", "numeric_factor", "solve_and_scatter"]

# Nested-dissection pieces at most this large are eliminated as one dense block.
LEAF_SIZE = 32


def solve_in_hole(image, ys, xs, dy, dx, reach, coefficients, leaf_size=LEAF_SIZE):
    """Solve the hole's stencil system for every channel of ``image`` (H, W, C) float64.

    Parameters
    ----------
    image : (H, W, C) float64
        Known pixels give the right-hand side; the values in the hole are not read.
    ys, xs : (n,) int64
        The hole pixels, the unknowns.
    dy, dx : (k,) int64
        Stencil offsets, the centre ``(0, 0)`` first.
    reach : int
        ``max(|dy|, |dx|)`` over the stencil: the width of the separators.
    coefficients : (n, k) float64
        Matrix entry between hole pixel ``i`` and its neighbour at offset ``o``; entries of
        neighbours outside the image are not read.
    leaf_size : int
        Pieces of at most this many pixels are not split further.

    Returns
    -------
    (H, W, C) float64
        A copy of ``image`` with the solution in the hole.
    """
    height, width = image.shape[:2]
    order, starts, ends, parents = nested_dissection(ys, xs, reach, leaf_size)
    rank, child_ptr, child_idx, update_ptr, update_idx, panel_ptr, stack_size = symbolic_factor(
        order, starts, ends, parents, ys, xs, height, width, dy, dx
    )
    panels = numeric_factor(
        order, starts, ends, child_ptr, child_idx, update_ptr, update_idx, panel_ptr, stack_size, rank, ys, xs,
        dy, dx, coefficients,
    )
    out = image.copy()
    solve_and_scatter(
        image, order, starts, ends, update_ptr, update_idx, panel_ptr, panels, rank, ys, xs, dy, dx, coefficients, out
    )
    return out


@njit(cache=True)
def _best_cut(coordinate, order, a, b, lo, hi, reach):
    """Best separator ``{m, ..., m + reach - 1}`` along one axis for pixels ``order[a:b]``.

    Returns ``(m, band, gap, balanced)``: the thinnest band that leaves each side at least a
    third of the rest (the most balanced among equals); if none does, the most balanced.
    """
    size = b - a
    counts = np.zeros(hi - lo + 1, np.int64)
    for i in range(a, b):
        counts[coordinate[order[i]] - lo] += 1
    best_m, best_band, best_gap, found = lo + 1, size, size + 1, False
    left = counts[0]
    band = 0
    for c in range(1, reach + 1):
        band += counts[c]
    for m in range(lo + 1, hi - reach + 1):  # at least one line left on either side
        right = size - left - band
        gap = abs(left - right)
        balanced = 3 * min(left, right) >= left + right
        if balanced:
            if not found or band < best_band or (band == best_band and gap < best_gap):
                best_m, best_band, best_gap, found = m, band, gap, True
        elif not found and gap < best_gap:
            best_m, best_band, best_gap = m, band, gap
        left += counts[m - lo]
        band += counts[m + reach - lo] - counts[m - lo]
    return best_m, best_band, best_gap, found


@njit(cache=True)
def nested_dissection(ys, xs, reach, leaf_size):
    """Order the hole pixels ``(ys, xs)`` by geometric nested dissection.

    Separators are ``reach`` rows or columns wide; pieces of at most ``leaf_size`` pixels, or
    too thin to cut, are leaves.

    Returns
    -------
    order : (n,) int64
        Pixel indices in elimination order.
    starts, ends : (n_nodes,) int64
        Each tree node's own pixels are ``order[starts[k]:ends[k]]``; nodes come in postorder.
    parents : (n_nodes,) int64
        Parent node of each node, -1 for a root.
    """
    n = ys.size
    order = np.arange(n)
    scratch = np.empty(n, np.int64)
    node_start = np.empty(n, np.int64)
    node_end = np.empty(n, np.int64)
    node_parent = np.empty(n, np.int64)
    n_nodes = 0
    # Regions still to split: order[region_start:region_end] with the node they hang from.
    # Splits form a binary tree with at most n leaves, so fewer than 2n regions are ever pushed.
    region_start = np.empty(2 * n + 1, np.int64)
    region_end = np.empty(2 * n + 1, np.int64)
    region_parent = np.empty(2 * n + 1, np.int64)
    region_start[0], region_end[0], region_parent[0] = 0, n, -1
    n_regions = 1
    while n_regions > 0:
        n_regions -= 1
        a, b, parent = region_start[n_regions], region_end[n_regions], region_parent[n_regions]
        if a == b:
            continue
        y_lo, y_hi, x_lo, x_hi = ys[order[a]], ys[order[a]], xs[order[a]], xs[order[a]]
        for i in range(a, b):
            p = order[i]
            y_lo, y_hi = min(y_lo, ys[p]), max(y_hi, ys[p])
            x_lo, x_hi = min(x_lo, xs[p]), max(x_hi, xs[p])
        can_cut_rows = y_hi - y_lo > reach
        can_cut_columns = x_hi - x_lo > reach
        if b - a <= leaf_size or not (can_cut_rows or can_cut_columns):
            node_start[n_nodes], node_end[n_nodes], node_parent[n_nodes] = a, b, parent
            n_nodes += 1
            continue
        # Cut across whichever axis gives the better separator: balanced first, then thinner,
        # then more even.
        m, band, gap, balanced = 0, 0, 0, False
        cut_columns = can_cut_columns
        if can_cut_columns:
            m, band, gap, balanced = _best_cut(xs, order, a, b, x_lo, x_hi, reach)
        if can_cut_rows:
            m_row, band_row, gap_row, balanced_row = _best_cut(ys, order, a, b, y_lo, y_hi, reach)
            if (
                not can_cut_columns
                or (balanced_row and not balanced)
                or (balanced_row == balanced and (band_row < band or (band_row == band and gap_row < gap)))
            ):
                m, cut_columns = m_row, False
        coordinate = xs if cut_columns else ys
        n_left = 0
        n_sep = 0
        for i in range(a, b):
            c = coordinate[order[i]]
            n_left += c < m
            n_sep += m <= c < m + reach
        i_left, i_right, i_sep = a, a + n_left, b - n_sep
        for i in range(a, b):  # left part, right part, then the separator
            p = order[i]
            c = coordinate[p]
            if c < m:
                scratch[i_left] = p
                i_left += 1
            elif c >= m + reach:
                scratch[i_right] = p
                i_right += 1
            else:
                scratch[i_sep] = p
                i_sep += 1
        for i in range(a, b):
            order[i] = scratch[i]
        child_parent = parent
        if n_sep > 0:  # (an empty separator makes no node: its two sides are independent subtrees)
            node_start[n_nodes], node_end[n_nodes], node_parent[n_nodes] = b - n_sep, b, parent
            child_parent = n_nodes
            n_nodes += 1
        region_start[n_regions], region_end[n_regions], region_parent[n_regions] = a, a + n_left, child_parent
        region_start[n_regions + 1], region_end[n_regions + 1] = a + n_left, b - n_sep
        region_parent[n_regions + 1] = child_parent
        n_regions += 2
    # A node's own pixels end its region, after all of its descendants': ordering by end (the
    # ends are distinct) is a postorder.
    node_with_end = np.full(n + 1, -1, np.int64)
    for k in range(n_nodes):
        node_with_end[node_end[k]] = k
    new_id = np.empty(n_nodes, np.int64)
    starts = np.empty(n_nodes, np.int64)
    ends = np.empty(n_nodes, np.int64)
    count = 0
    for end in range(1, n + 1):
        k = node_with_end[end]
        if k >= 0:
            new_id[k] = count
            starts[count], ends[count] = node_start[k], end
            count += 1
    parents = np.empty(n_nodes, np.int64)
    for k in range(n_nodes):
        parents[new_id[k]] = new_id[node_parent[k]] if node_parent[k] >= 0 else -1
    return order, starts, ends, parents


@njit(cache=True)
def _heapsort(values):
    """Sort a 1-D int64 array in place (plain loops: cheaper to compile than ``np.sort``)."""
    n = values.size
    for start in range(n // 2 - 1, -1, -1):
        _sift_down(values, start, n)
    for end in range(n - 1, 0, -1):
        values[0], values[end] = values[end], values[0]
        _sift_down(values, 0, end)


@njit(cache=True)
def _sift_down(values, root, end):
    while 2 * root + 1 < end:
        child = 2 * root + 1
        if child + 1 < end and values[child + 1] > values[child]:
            child += 1
        if values[root] >= values[child]:
            return
        values[root], values[child] = values[child], values[root]
        root = child


@njit(cache=True)
def symbolic_factor(order, starts, ends, parents, ys, xs, height, width, dy, dx):
    """Update sets of the elimination tree.

    Returns
    -------
    rank : (height, width) int64
        Elimination rank of each hole pixel, -1 for known pixels.
    child_ptr, child_idx : int64
        Children of node k: ``child_idx[child_ptr[k]:child_ptr[k + 1]]``.
    update_ptr, update_idx : int64
        Update set of node k (ranks, ascending): ``update_idx[update_ptr[k]:update_ptr[k + 1]]``.
    panel_ptr : (n_nodes + 1,) int64
        Offsets of each node's factor (own x own, then own x update values) in a flat buffer.
    stack_size : int
        Values the stack of pending update matrices holds at its peak.
    """
    n = order.size
    n_nodes = starts.size
    rank = np.full((height, width), -1, np.int64)
    for r in range(n):
        rank[ys[order[r]], xs[order[r]]] = r
    child_ptr = np.zeros(n_nodes + 1, np.int64)
    for k in range(n_nodes):
        if parents[k] >= 0:
            child_ptr[parents[k] + 1] += 1
    for k in range(n_nodes):
        child_ptr[k + 1] += child_ptr[k]
    child_idx = np.empty(child_ptr[n_nodes], np.int64)
    filled = np.empty(n_nodes, np.int64)
    for k in range(n_nodes):
        filled[k] = child_ptr[k]
    for k in range(n_nodes):
        if parents[k] >= 0:
            child_idx[filled[parents[k]]] = k
            filled[parents[k]] += 1
    mark = np.full(n, -1, np.int64)
    update_ptr = np.zeros(n_nodes + 1, np.int64)
    update_idx = np.empty(max(16, 4 * n), np.int64)
    count = 0
    panel_ptr = np.zeros(n_nodes + 1, np.int64)
    stack_top = 0
    stack_size = 0
    for k in range(n_nodes):
        s0, s1 = starts[k], ends[k]
        # At most: every child's update pixels plus each own pixel's stencil neighbours.
        bound = count + (dy.size - 1) * (s1 - s0)
        for ci in range(child_ptr[k], child_ptr[k + 1]):
            c = child_idx[ci]
            bound += update_ptr[c + 1] - update_ptr[c]
        if bound > update_idx.size:
            grown = np.empty(max(bound, 2 * update_idx.size), np.int64)
            for i in range(count):
                grown[i] = update_idx[i]
            update_idx = grown
        first = count
        for r in range(s0, s1):
            y, x = ys[order[r]], xs[order[r]]
            for o in range(1, dy.size):
                qy, qx = y + dy[o], x + dx[o]
                if 0 <= qy < height and 0 <= qx < width:
                    q = rank[qy, qx]
                    if q >= s1 and mark[q] != k:
                        mark[q] = k
                        update_idx[count] = q
                        count += 1
        for ci in range(child_ptr[k], child_ptr[k + 1]):
            c = child_idx[ci]
            for j in range(update_ptr[c], update_ptr[c + 1]):
                q = update_idx[j]
                if q >= s1 and mark[q] != k:
                    mark[q] = k
                    update_idx[count] = q
                    count += 1
            n_child = update_ptr[c + 1] - update_ptr[c]
            stack_top -= n_child * n_child
        _heapsort(update_idx[first:count])
        update_ptr[k + 1] = count
        own = s1 - s0
        n_update = count - first
        panel_ptr[k + 1] = panel_ptr[k] + own * (own + n_update)
        stack_top += n_update * n_update
        stack_size = max(stack_size, stack_top)
    trimmed = np.empty(count, np.int64)
    for i in range(count):
        trimmed[i] = update_idx[i]
    return rank, child_ptr, child_idx, update_ptr, trimmed, panel_ptr, stack_size


@njit(cache=True)
def _cholesky_lower(a):
    """Overwrite the lower triangle of the SPD matrix ``a`` with its Cholesky factor.

    Right-looking, four columns a pass; the upper triangle is neither read nor written.
    Raises ``ValueError`` when a pivot is not positive.
    """
    n = a.shape[0]
    panel = np.zeros((4, n))
    for j0 in range(0, n, 4):
        j1 = min(n, j0 + 4)
        for j in range(j0, j1):
            pivot = a[j, j]
            for m in range(j0, j):
                pivot -= a[j, m] * a[j, m]
            if not pivot > 0.0:
                raise ValueError("grid Cholesky: the hole's matrix is not positive definite")
            pivot = np.sqrt(pivot)
            a[j, j] = pivot
            for i in range(j + 1, n):
                value = a[i, j]
                for m in range(j0, j):
                    value -= a[i, m] * a[j, m]
                a[i, j] = value / pivot
        if j1 == n:
            break
        for m in range(j1 - j0):
            for i in range(j1, n):
                panel[m, i] = a[i, j0 + m]
        p0, p1, p2, p3 = panel[0], panel[1], panel[2], panel[3]
        for i in range(j1, n):
            row = a[i]
            c0, c1, c2, c3 = p0[i], p1[i], p2[i], p3[i]
            for j in range(j1, i + 1):
                row[j] -= c0 * p0[j] + c1 * p1[j] + c2 * p2[j] + c3 * p3[j]


@njit(cache=True)
def _forward_substitute(lower, x):
    """Overwrite ``x`` (n x m) with ``lower^-1 x``, ``lower`` (n x n) lower triangular.

    Four rows of ``x`` at a time take the contributions of the solved rows four by four:
    sixteen multiply-adds per four loads along memory.
    """
    n, m = x.shape
    for i0 in range(0, n, 4):
        i1 = min(n, i0 + 4)
        start = 0
        if i1 - i0 == 4:
            r0, r1, r2, r3 = x[i0], x[i0 + 1], x[i0 + 2], x[i0 + 3]
            while start + 4 <= i0:
                k = start
                xa, xb, xc, xd = x[k], x[k + 1], x[k + 2], x[k + 3]
                a0, b0, c0, d0 = lower[i0, k], lower[i0, k + 1], lower[i0, k + 2], lower[i0, k + 3]
                a1, b1, c1, d1 = lower[i0 + 1, k], lower[i0 + 1, k + 1], lower[i0 + 1, k + 2], lower[i0 + 1, k + 3]
                a2, b2, c2, d2 = lower[i0 + 2, k], lower[i0 + 2, k + 1], lower[i0 + 2, k + 2], lower[i0 + 2, k + 3]
                a3, b3, c3, d3 = lower[i0 + 3, k], lower[i0 + 3, k + 1], lower[i0 + 3, k + 2], lower[i0 + 3, k + 3]
                for j in range(m):
                    p, q, s, t = xa[j], xb[j], xc[j], xd[j]
                    r0[j] -= a0 * p + b0 * q + c0 * s + d0 * t
                    r1[j] -= a1 * p + b1 * q + c1 * s + d1 * t
                    r2[j] -= a2 * p + b2 * q + c2 * s + d2 * t
                    r3[j] -= a3 * p + b3 * q + c3 * s + d3 * t
                start += 4
        for i in range(i0, i1):
            row = x[i]
            for k in range(start, i):
                factor = lower[i, k]
                source = x[k]
                for j in range(m):
                    row[j] -= factor * source[j]
            inverse = 1.0 / lower[i, i]
            for j in range(m):
                row[j] *= inverse


@njit(cache=True)
def _subtract_gram(x, c):
    """Lower triangle of ``c`` (m x m) minus ``x^T x`` (``x`` is n x m), in place.

    Four rows of ``c`` at a time, four rows of ``x`` a step: sixteen multiply-adds per four
    loads along memory. The upper triangle of ``c``'s 4x4 diagonal blocks is overwritten.
    """
    n, m = x.shape
    i = 0
    while i + 4 <= m:
        r0, r1, r2, r3 = c[i], c[i + 1], c[i + 2], c[i + 3]
        k = 0
        while k + 4 <= n:
            xa, xb, xc, xd = x[k], x[k + 1], x[k + 2], x[k + 3]
            a0, a1, a2, a3 = xa[i], xa[i + 1], xa[i + 2], xa[i + 3]
            b0, b1, b2, b3 = xb[i], xb[i + 1], xb[i + 2], xb[i + 3]
            c0, c1, c2, c3 = xc[i], xc[i + 1], xc[i + 2], xc[i + 3]
            d0, d1, d2, d3 = xd[i], xd[i + 1], xd[i + 2], xd[i + 3]
            for j in range(i + 4):
                p, q, s, t = xa[j], xb[j], xc[j], xd[j]
                r0[j] -= a0 * p + b0 * q + c0 * s + d0 * t
                r1[j] -= a1 * p + b1 * q + c1 * s + d1 * t
                r2[j] -= a2 * p + b2 * q + c2 * s + d2 * t
                r3[j] -= a3 * p + b3 * q + c3 * s + d3 * t
            k += 4
        while k < n:
            xk = x[k]
            f0, f1, f2, f3 = xk[i], xk[i + 1], xk[i + 2], xk[i + 3]
            for j in range(i + 4):
                b = xk[j]
                r0[j] -= f0 * b
                r1[j] -= f1 * b
                r2[j] -= f2 * b
                r3[j] -= f3 * b
            k += 1
        i += 4
    while i < m:
        row = c[i]
        for k in range(n):
            xk = x[k]
            factor = xk[i]
            for j in range(i + 1):
                row[j] -= factor * xk[j]
        i += 1


@njit(cache=True)
def numeric_factor(
    order, starts, ends, child_ptr, child_idx, update_ptr, update_idx, panel_ptr, stack_size, rank, ys, xs,
    dy, dx, coefficients,
):
    """Multifrontal Cholesky factorisation of the hole's stencil matrix.

    Node k's front, over its own pixels then its update set, is
    ``[[A11, A12], [A21, A22]] = [[L11, 0], [L21, I]] [[I, 0], [0, S]] [[L11^T, L21^T], [0, I]]``;
    the update matrix ``S`` waits on a stack until the parent adds it into its front. Returns
    the flat buffer of factors: at ``panel_ptr[k]``, node k's ``L11`` (own x own, C order, lower
    triangle) followed by ``L21^T`` (own x update, C order).
    """
    height, width = rank.shape
    n = order.size
    n_nodes = starts.size
    max_update = 1
    for k in range(n_nodes):
        max_update = max(max_update, update_ptr[k + 1] - update_ptr[k])
    panels = np.empty(panel_ptr[n_nodes])
    stack = np.empty(stack_size)
    stack_offset = np.zeros(n_nodes, np.int64)
    stack_top = 0
    position = np.empty(n, np.int64)  # a pixel's index in the current front
    target = np.empty(max_update, np.int64)
    a22_buffer = np.empty(max_update * max_update)
    for k in range(n_nodes):
        s0, s1 = starts[k], ends[k]
        own = s1 - s0
        u0 = update_ptr[k]
        n_update = update_ptr[k + 1] - u0
        for i in range(own):
            position[s0 + i] = i
        for i in range(n_update):
            position[update_idx[u0 + i]] = own + i
        # The factor is built in place: A11 becomes L11, A12 (kept as own x update so that its
        # rows are contiguous) becomes L21^T. Only lower triangles of A11 and A22 are used.
        offset = panel_ptr[k]
        a11 = panels[offset : offset + own * own].reshape((own, own))
        a12 = panels[offset + own * own : panel_ptr[k + 1]].reshape((own, n_update))
        a22 = a22_buffer[: n_update * n_update].reshape((n_update, n_update))
        for i in range(offset, panel_ptr[k + 1]):
            panels[i] = 0.0
        for i in range(n_update):
            for j in range(i + 1):
                a22[i, j] = 0.0
        for j in range(own):  # the stencil entries of the node's own columns
            r = s0 + j
            pixel = order[r]
            py, px = ys[pixel], xs[pixel]
            for o in range(dy.size):
                qy, qx = py + dy[o], px + dx[o]
                if 0 <= qy < height and 0 <= qx < width:
                    q = rank[qy, qx]
                    if q >= s1:
                        a12[j, position[q] - own] += coefficients[pixel, o]
                    elif q >= r:
                        a11[q - s0, j] += coefficients[pixel, o]
        lowest = stack_top
        for ci in range(child_ptr[k], child_ptr[k + 1]):  # extend-add, popping the children's updates
            c = child_idx[ci]
            c0 = update_ptr[c]
            n_child = update_ptr[c + 1] - c0
            if n_child == 0:
                continue
            base = stack_offset[c]
            lowest = min(lowest, base)
            child = stack[base : base + n_child * n_child].reshape((n_child, n_child))
            split = 0  # the child's first `split` update pixels are this node's own pixels
            for b in range(n_child):
                target[b] = position[update_idx[c0 + b]]
                split += target[b] < own
            for a in range(n_child):
                row = target[a]
                source = child[a]
                if a < split:
                    destination = a11[row]
                    for b in range(a + 1):
                        destination[target[b]] += source[b]
                else:
                    row -= own
                    for b in range(split):
                        a12[target[b], row] += source[b]
                    destination = a22[row]
                    for b in range(split, a + 1):
                        destination[target[b] - own] += source[b]
        stack_top = lowest
        _cholesky_lower(a11)
        if n_update == 0:
            continue
        _forward_substitute(a11, a12)  # A12 := L11^-1 A12 = L21^T
        _subtract_gram(a12, a22)  # S = A22 - L21 L21^T
        stack_offset[k] = stack_top
        update = stack[stack_top : stack_top + n_update * n_update].reshape((n_update, n_update))
        for i in range(n_update):
            for j in range(i + 1):
                update[i, j] = a22[i, j]
        stack_top += n_update * n_update
    return panels


@njit(cache=True)
def solve_and_scatter(
    image, order, starts, ends, update_ptr, update_idx, panel_ptr, panels, rank, ys, xs, dy, dx, coefficients, out
):
    """Solve ``A u = b`` for every channel with the factor and write ``u`` into ``out`` (H, W, C).

    ``b`` is the stencil applied to the known pixels of ``image``, moved to the right-hand side.
    """
    height, width, channels = image.shape
    n = order.size
    n_nodes = starts.size
    max_update = 1
    for k in range(n_nodes):
        max_update = max(max_update, update_ptr[k + 1] - update_ptr[k])
    gathered = np.empty(max_update)
    y = np.zeros((channels, n))  # one row per channel, so the substitutions run along memory
    for r in range(n):
        pixel = order[r]
        py, px = ys[pixel], xs[pixel]
        for o in range(1, dy.size):
            qy, qx = py + dy[o], px + dx[o]
            if 0 <= qy < height and 0 <= qx < width and rank[qy, qx] < 0:
                coefficient = coefficients[pixel, o]
                for c in range(channels):
                    y[c, r] -= coefficient * image[qy, qx, c]
    for k in range(n_nodes):  # forward: L z = b
        s0 = starts[k]
        own = ends[k] - s0
        u0 = update_ptr[k]
        n_update = update_ptr[k + 1] - u0
        offset = panel_ptr[k]
        l11 = panels[offset : offset + own * own].reshape((own, own))
        l21t = panels[offset + own * own : panel_ptr[k + 1]].reshape((own, n_update))
        for c in range(channels):
            z = y[c]
            for i in range(own):
                total = z[s0 + i]
                for j in range(i):
                    total -= l11[i, j] * z[s0 + j]
                z[s0 + i] = total / l11[i, i]
            for a in range(n_update):
                gathered[a] = z[update_idx[u0 + a]]
            for j in range(own):
                value = z[s0 + j]
                coefficients = l21t[j]
                for a in range(n_update):
                    gathered[a] -= coefficients[a] * value
            for a in range(n_update):
                z[update_idx[u0 + a]] = gathered[a]
    for k in range(n_nodes - 1, -1, -1):  # backward: L^T u = z
        s0 = starts[k]
        own = ends[k] - s0
        u0 = update_ptr[k]
        n_update = update_ptr[k + 1] - u0
        offset = panel_ptr[k]
        l11 = panels[offset : offset + own * own].reshape((own, own))
        l21t = panels[offset + own * own : panel_ptr[k + 1]].reshape((own, n_update))
        for c in range(channels):
            z = y[c]
            for a in range(n_update):
                gathered[a] = z[update_idx[u0 + a]]
            for j in range(own):
                coefficients = l21t[j]
                total = 0.0
                for a in range(n_update):
                    total += coefficients[a] * gathered[a]
                z[s0 + j] -= total
            for i in range(own - 1, -1, -1):
                value = z[s0 + i] / l11[i, i]
                z[s0 + i] = value
                row = l11[i]
                for j in range(i):
                    z[s0 + j] -= row[j] * value
    for r in range(n):
        for c in range(channels):
            out[ys[order[r]], xs[order[r]], c] = y[c, r]
