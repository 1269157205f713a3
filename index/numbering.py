"""Passages numbered by position: finding ids among keys, and sets of positions as arrays.

A generation's passages, a segment's vectors and a BM25 index's documents each have their own
order; these turn ids into positions in one of them, and combine sets of positions with numpy
(a few bytes a passage, where Python sets of ids cost dozens).
"""

from __future__ import annotations

import numpy as np


class Numbering:
    """Distinct keys by position, to look ids up in (sorted once)."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.asarray(keys, dtype=np.int64)
        self._order = np.argsort(self.keys, kind="stable")
        self._sorted = self.keys[self._order]

    def __len__(self) -> int:
        return len(self.keys)

    def locate(self, wanted: np.ndarray) -> np.ndarray:
        """The position of each of ``wanted`` among the keys, or -1 where it is not one."""
        wanted = np.asarray(wanted, dtype=np.int64)
        if not len(self.keys):
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.searchsorted(self._sorted, wanted).clip(0, len(self.keys) - 1)
        return np.where(self._sorted[at] == wanted, self._order[at], -1)


def union(size: int, *groups: np.ndarray) -> np.ndarray:
    """The positions (below ``size``) in any of the groups, sorted."""
    mask = np.zeros(size, dtype=bool)
    for group in groups:
        mask[group] = True
    return np.flatnonzero(mask)


def members(group: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Which of ``positions`` the sorted ``group`` holds (a mask)."""
    if not len(group):
        return np.zeros(len(positions), dtype=bool)
    at = np.searchsorted(group, positions).clip(0, len(group) - 1)
    return group[at] == positions


def intersection(size: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The positions of ``second`` that ``first`` holds too, in ``second``'s order."""
    mask = np.zeros(size, dtype=bool)
    mask[first] = True
    return second[mask[second]]
