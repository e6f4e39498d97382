"""The compiled loops behind :class:`~cinerec.models.fans.Fans`' answers.

A newcomer who names a blockbuster has thousands of fellow fans, each with hundreds of
liked movies: a million entries to add up per answer at MovieLens-25M scale. numpy can
only gather them into temporary arrays first (``repeat``, fancy indexing, ``bincount``),
which costs ten times the additions themselves; these loops read the memory-mapped
rows in place. Compiled by numba on first use and cached on disk; :mod:`~cinerec.models.fans`
imports this module only when a newcomer is asked, so nothing else pays numba's import.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def weighted_column_sums(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                         n_columns: int) -> np.ndarray:
    """``Σ_r weights[r] · X[rows[r]]`` for a binary CSR matrix ``X`` given by its row
    pointers and column indices: float64 ``(n_columns,)``."""
    sums = np.zeros(n_columns)
    for r in range(rows.size):
        row, weight = rows[r], weights[r]
        for entry in range(indptr[row], indptr[row + 1]):
            sums[indices[entry]] += weight
    return sums


@numba.njit(nogil=True, cache=True)
def columns_among(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, position: np.ndarray,
                  n_targets: int) -> np.ndarray:
    """Which of a few target columns each of ``rows`` holds in a binary CSR matrix:
    bool ``(rows.size, n_targets)``, column ``position[c]`` for a target ``c`` (``-1`` for
    the others)."""
    holds = np.zeros((rows.size, n_targets), dtype=np.bool_)
    for r in range(rows.size):
        row = rows[r]
        for entry in range(indptr[row], indptr[row + 1]):
            target = position[indices[entry]]
            if target >= 0:
                holds[r, target] = True
    return holds


@numba.njit(nogil=True, cache=True)
def touched_sums(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, weights: np.ndarray,
                 n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`weighted_column_sums`, returned for the touched columns only: ``(columns
    int64, sums float64)`` in the order first touched — no pass over all ``n_columns``
    to find them (a newcomer's fellow fans are a few thousand of 160,000 people)."""
    sums = np.zeros(n_columns)
    total = 0
    for r in range(rows.size):
        total += indptr[rows[r] + 1] - indptr[rows[r]]
    touched = np.empty(total, dtype=np.int64)
    n_touched = 0
    for r in range(rows.size):
        row, weight = rows[r], weights[r]
        for entry in range(indptr[row], indptr[row + 1]):
            column = indices[entry]
            if sums[column] == 0.0:
                touched[n_touched] = column
                n_touched += 1
            sums[column] += weight
    columns = touched[:n_touched].copy()
    return columns, sums[columns]
