"""Chinese: traditional to simplified (OpenCC), jieba with a service dictionary, negators attached (不_来).

jieba (in `segment`) and OpenCC are built on first use, once per process, and never pickled: the
tokeniser holds only settings.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .base import CLAUSE_ENDS, SPECIAL_OR_RUN, ScannedBatch, StreamTokenizer, ends_clause, special_token
from .segment import dictionary_cut, segmenter
from .stream import SEP, TOKENS, TokenStream, merge_clause_ids

# Negators that attach to the next word: 不_来, 没_收到, 别_买.
NEGATORS = frozenset("不 没 没有 别 未 无 从不 从没 从来不 从来没有 绝不 并不 并没有 不再 再也不 不会 不能 不要".split())

# Words that turn a sentence: a new clause starts after them.
TURN_WORDS = frozenset("但是 可是 不过 然而 但 却".split())
# After NFKC the full-width comma is ",": in Chinese it separates clauses.
ZH_CLAUSE_ENDS = CLAUSE_ENDS | {","}

# Particles and pronouns only. Never 不, 没有, 再, 好, 很, 太, 也, 还, 吗, 都.
STOP_WORDS = frozenset("的 了 着 过 地 得 之 在 我 我们 你 你们 他 她 它 他们 她们 这 那 这个 那个 就 和 与 及 而 把 被 啊 吧 呢 呀 哦 嗯 哈 啦 么 嘛 哎".split())


#: What a word jieba cut does: it is a token, attaches to the next word, turns the sentence, or is dropped
#: (a stop word, or spaces and punctuation that jieba splits off: ～ ~ 「」).
_PLAIN, _NEGATOR, _TURN, _DROPPED = range(4)
#: Each word's role, worked out once per process; started afresh past `_MAX_WORDS` words.
_ROLES: dict[str, int] = {}
_MAX_WORDS = 500_000


def _role(word: str) -> int:
    if not any(c.isalnum() for c in word):
        return _DROPPED
    if word in NEGATORS:
        return _NEGATOR
    if word in TURN_WORDS:
        return _TURN
    return _DROPPED if word in STOP_WORDS else _PLAIN


@functools.cache
def _converter() -> Any:
    """OpenCC traditional (Taiwan phrasing included) to simplified, loaded once per process on first use."""
    import opencc

    return opencc.OpenCC("tw2sp")


def to_simplified(text: str) -> str:
    """Traditional to simplified, with Taiwan vocabulary mapped (軟體 -> 软件); simplified text is unchanged."""
    return str(_converter().convert(text))


class ChineseTokenizer(StreamTokenizer):
    """jieba words, negators attached to what follows, plus emoji, punctuation and masks."""

    lang = "zh"

    def __init__(self, hmm: bool = False) -> None:
        # jieba's dictionary mode: 2.2x faster than with its HMM guessing unknown words, and as accurate on
        # our dev split (sentiment macro-F1 0.818 vs 0.807, dimension micro-F1 0.747 vs 0.752)
        self.hmm = hmm

    def stream(self, batch: ScannedBatch, wanted: np.ndarray) -> TokenStream:
        """The tokens of the batch's texts where `wanted` is set: converted to simplified in one call, then
        cut by jieba text by text. Clauses end at ，。！？； and before 但是, 可是, 不过 ..."""
        rows = np.flatnonzero(wanted)
        if not len(rows):
            return TokenStream.empty(batch.n_rows)
        texts = to_simplified(SEP.join(batch.prepared[i] for i in rows.tolist())).split(SEP)
        if len(_ROLES) > _MAX_WORDS:
            _ROLES.clear()
        tokens: list[str] = []
        clauses: list[int] = []  # numbered across the batch, rising; -1 for a word that turns the sentence
        counts: list[int] = []
        clause = 0
        for text in texts:
            before = len(tokens)
            clause = self._tokens(text, tokens, clauses, clause) + 1
            counts.append(len(tokens) - before)
        ids = TOKENS.ids_of(tokens)
        row = np.repeat(rows, counts)
        raw = np.array(clauses, dtype=np.int64)
        clause_ids, clause_row = merge_clause_ids(raw, row, raw >= 0)
        return TokenStream(ids, row, clause_ids, clause_row, batch.n_rows)

    def _tokens(self, prepared: str, tokens: list[str], clauses: list[int], clause: int) -> int:
        """Append the tokens of one prepared, simplified text and the clause of each, its first clause
        numbered `clause`; returns the number of its last clause."""
        position = 0
        for match in SPECIAL_OR_RUN.finditer(prepared):
            kind = match.lastgroup
            if kind is None:
                continue  # a run of text, or a character that starts no special piece
            start = match.start()
            if start > position:
                clause = self._segment(prepared[position:start], tokens, clauses, clause)
            piece = match.group()
            special = special_token(kind, piece)
            if special is not None:
                tokens.append(special)
                clauses.append(clause)
            if ends_clause(kind, piece, ZH_CLAUSE_ENDS):
                clause += 1
            position = match.end()
        if position < len(prepared):
            clause = self._segment(prepared[position:], tokens, clauses, clause)
        return clause

    def _segment(self, chunk: str, tokens: list[str], clauses: list[int], clause: int) -> int:
        """Append the jieba words of a chunk with no special pieces, attaching negators to the next word;
        returns the clause the next token belongs to."""
        if not chunk.strip():
            return clause
        negator = ""
        for word in segmenter().lcut(chunk, HMM=True) if self.hmm else dictionary_cut()(chunk):
            role = _ROLES.get(word)
            if role is None:
                role = _ROLES[word] = _role(word)
            if role == _PLAIN:
                tokens.append(f"{negator}_{word}" if negator else word)
                clauses.append(clause)
                negator = ""
            elif role == _NEGATOR:
                if negator:
                    tokens.append(negator)
                    clauses.append(clause)
                negator = word
            elif role == _TURN:
                tokens.append(word)
                clauses.append(-1)
                clause += 1
        if negator:
            tokens.append(negator)
            clauses.append(clause)
        return clause

    def __repr__(self) -> str:
        return f"ChineseTokenizer(hmm={self.hmm})"
