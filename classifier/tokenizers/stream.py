"""A batch of texts as one flat stream of token ids: what the model's features are counted from.

Tokenising text by text costs a Python loop per token. Here a whole batch is prepared and scanned with one
regular-expression pass, every distinct piece is looked up once in a per-process table, and the rules that
depend on neighbours (negation scope, clause breaks) run as numpy operations over the whole batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: Joins the texts of a batch: a private-use character that no pattern of `base` matches and NFKC keeps.
SEP = "\ue000"


class TokenTable:
    """Token strings <-> small integers, shared by every language in a process (ids are never saved).

    Cleared when it grows too large (see `base.scan_batch`), so that memory stays bounded on endless input;
    `generation` counts the clearings, and whatever caches ids rebuilds itself when it changes."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.strings: list[str] = []
        self.generation = 0

    def clear(self) -> None:
        self.ids, self.strings = {}, []
        self.generation += 1

    def id(self, token: str) -> int:
        found = self.ids.get(token)
        if found is None:
            found = self.ids[token] = len(self.strings)
            self.strings.append(token)
        return found

    def ids_of(self, tokens: list[str]) -> np.ndarray:
        """The ids of many tokens at once."""
        return numbered(tokens, self.ids, self.id)

    def __len__(self) -> int:
        return len(self.strings)


TOKENS = TokenTable()


def numbered(keys: list[str], numbers: dict[str, int], add: Callable[[str], int]) -> np.ndarray:
    """The numbers of `keys` in `numbers`, looked up in C (`dict.get` with a default, mapped); only the keys
    not there go through `add`, which numbers a new key."""
    found = np.fromiter(map(numbers.get, keys, itertools.repeat(-1)), dtype=np.int64, count=len(keys))
    for i in np.flatnonzero(found < 0).tolist():
        found[i] = add(keys[i])
    return found


@dataclass(frozen=True)
class TokenStream:
    """The tokens of a batch of texts: each text's tokens contiguous and in order.

    `clause` numbers the clauses of the whole batch (-1 for a token outside every clause, such as "ale" that
    turns the sentence); each clause's tokens are contiguous too, and `clause_row` gives each clause's text.
    """

    ids: np.ndarray
    row: np.ndarray
    clause: np.ndarray
    clause_row: np.ndarray
    n_rows: int

    @staticmethod
    def empty(n_rows: int) -> TokenStream:
        nothing = np.zeros(0, dtype=np.int64)
        return TokenStream(nothing, nothing, nothing, nothing, n_rows)

    @staticmethod
    def concat(streams: Sequence[TokenStream], n_rows: int) -> TokenStream:
        """Streams of disjoint sets of texts of the same batch, as one (clause numbers made batch-wide)."""
        offsets = np.cumsum([0] + [len(s.clause_row) for s in streams])
        return TokenStream(
            np.concatenate([s.ids for s in streams] or [np.zeros(0, np.int64)]),
            np.concatenate([s.row for s in streams] or [np.zeros(0, np.int64)]),
            np.concatenate([np.where(s.clause >= 0, s.clause + o, -1) for s, o in zip(streams, offsets)] or [np.zeros(0, np.int64)]),
            np.concatenate([s.clause_row for s in streams] or [np.zeros(0, np.int64)]),
            n_rows,
        )

    def token_lists(self) -> list[list[str]]:
        """Each text's tokens as strings."""
        strings = TOKENS.strings
        result: list[list[str]] = [[] for _ in range(self.n_rows)]
        for row, token in zip(self.row.tolist(), self.ids.tolist()):
            result[row].append(strings[token])
        return result

    def clause_lists(self) -> list[list[list[str]]]:
        """Each text's clauses, each a list of token strings."""
        strings = TOKENS.strings
        clauses: list[list[str]] = [[] for _ in range(len(self.clause_row))]
        for clause, token in zip(self.clause.tolist(), self.ids.tolist()):
            if clause >= 0:
                clauses[clause].append(strings[token])
        result: list[list[list[str]]] = [[] for _ in range(self.n_rows)]
        for row, tokens in zip(self.clause_row.tolist(), clauses):
            result[row].append(tokens)
        return result


def find_sorted(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(where each value is in the sorted `keys`, whether it is there at all); a position is only meaningful
    where found. Empty `keys` find nothing."""
    if not len(keys):
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    where = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return where, keys[where] == values


def merge_clause_ids(raw_clause: np.ndarray, row: np.ndarray, included: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clause numbers after merging: empty clauses vanish and a one-token clause joins the one before it in
    its text. `raw_clause` rises along the stream; returns (clause of each token or -1, text of each clause)."""
    clause = np.full(len(raw_clause), -1, dtype=np.int64)
    positions = np.flatnonzero(included)
    if not len(positions):
        return clause, np.zeros(0, dtype=np.int64)
    raw, rows = raw_clause[positions], row[positions]
    first = np.r_[True, raw[1:] != raw[:-1]]
    starts = np.flatnonzero(first)
    sizes = np.diff(np.r_[starts, len(raw)])
    clause_rows = rows[starts]
    opens = np.r_[True, clause_rows[1:] != clause_rows[:-1]] | (sizes >= 2)
    merged = np.cumsum(opens) - 1
    clause[positions] = merged[np.cumsum(first) - 1]
    return clause, clause_rows[opens]
