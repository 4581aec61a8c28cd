"""Machinery shared by every language: normalisation, masking, emoji and punctuation, folding, negation, stemming.

A language module supplies only data (a `LanguageData`); `WordTokenizer` turns it into a tokeniser.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .stream import SEP, TOKENS, TokenStream, merge_clause_ids, numbered

#: Placeholders that replace personal or volatile data; they survive lower-casing and word splitting.
URL, EMAIL, PHONE, ORDER, NUM = "_url_", "_email_", "_phone_", "_order_", "_num_"
#: The marker put in front of a negated word: "ne_doporuc", "ne_terribl". Chinese uses its negator instead.
NEG = "ne_"

_APOSTROPHES = ("\u2019", "\u2018", "`", "\u00b4", "\u02bc")
#: Web and e-mail addresses; tried only on texts with "@", "www." or "http". These patterns and the
#: number patterns run on lower-cased text, so they need no (slow) IGNORECASE.
_ADDRESS = re.compile(r"(?P<url>(?:https?://|www\.)[^\s\ue000]+)|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
_MAY_ADDRESS = re.compile(r"@|www\.|https?:")
#: Numbers, in order of precedence (at one position the first that matches wins); tried only with a digit.
_NUMBER_PATTERNS = (
    # order, invoice and tracking numbers: "#12345", "CZ2024-0012345", "obj. 2023/0815" ...
    (ORDER, r"#\s?\w*\d[\w/-]*|\b[a-z]{1,5}[-/]?\d[\d/-]{4,}\w*\b|\b\d{4,}[/-]\d{3,}\b"),
    # phone numbers: an optional +country code and at least nine digits in groups
    (PHONE, r"(?<![\w+])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?(?:[ .-]?\d{2,4}){2,3}(?!\w)"),
    (ORDER, r"\d{5,}"),
    (NUM, r"\d+(?:[.,]\d+)?"),
)
_NUMBER = re.compile("|".join(f"(?P<m{i}>{pattern})" for i, (_, pattern) in enumerate(_NUMBER_PATTERNS)))
_PLACEHOLDER = {f"m{i}": f" {placeholder} " for i, (placeholder, _) in enumerate(_NUMBER_PATTERNS)}
_PLACEHOLDER.update(url=f" {URL} ", email=f" {EMAIL} ")
#: What the NUM pattern (the last, "\d+(?:[.,]\d+)?") puts for a plain number.
_NUM_PLACEHOLDER = _PLACEHOLDER[f"m{len(_NUMBER_PATTERNS) - 1}"]
#: What may lie between two digit runs of one number: a word's letters, "/" and "-" ("cz2024-0012345"), or
#: up to two of " .,-()" (a phone number's groups, a decimal comma).
_JOINS_DIGITS = re.compile(r"[\w/-]*|[ .,()-]{1,2}")


def _mask(match: re.Match[str]) -> str:
    return _PLACEHOLDER[match.lastgroup or ""]


_EMOJI = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u2190-\u21ff\u3297\u3299\u00a9\u00ae\u203c\u2049"
)
_SKIP = "\ufe0f\u200d\U0001f3fb-\U0001f3ff"
_SKIP_RE = re.compile(f"[{_SKIP}]")
#: Pieces that end a clause (per-dimension sentiment is read clause by clause).
CLAUSE_ENDS = frozenset(".;\n…!?。；！？")
_SPECIALS = (
    r"(?P<mask>_(?:url|email|phone|order|num)_)"
    # the look-behind after the first character, so that the regex engine can rule the alternative out by
    # that character alone (`[:;=]` not preceded by a letter)
    r"|(?P<emoticon>[:;=](?<!\w[:;=])[-']?[()dp/\\|\]\[*]+(?!\w))"
    rf"|(?P<emoji>[{_EMOJI}])"
    r"|(?P<punct>[!?]+)"
    r"|(?P<currency>[€$£¥])"
    r"|(?P<brk>[.,;:\n()\"…、。，；：]+|\s[-–—]\s)"
)
#: Everything in prepared text that is not a word: masks, emoticons, emoji, emphatic punctuation, clause breaks.
SPECIALS = re.compile(_SPECIALS)
#: The characters a special piece can start with (blanks for " - "). `SPECIAL_OR_RUN` matches a run of
#: other characters at once, a special piece, or one character that starts none: where `SPECIALS.finditer`
#: tries every position of a Chinese text, this tries one per run, and finds the same special pieces.
_SPECIAL_STARTS = rf"_:;=!?€$£¥.,\n()\"…、。，；：\s{_EMOJI}"
SPECIAL_OR_RUN = re.compile(rf"[^{_SPECIAL_STARTS}]+|{_SPECIALS}|.", re.DOTALL)
#: One scan splits prepared text into words, those pieces, and the boundaries of a batch's texts. Words come
#: first: no other piece starts with a letter, and most pieces are words, so most matches try one
#: alternative instead of seven.
_SCAN = re.compile(r"(?P<word>[^\W\d_]+(?:'(?=[^\W\d_]))?)|" + _SPECIALS + f"|(?P<sep>{SEP})")
#: The same scan without its named groups: `findall` then gives each piece as a string, not a tuple of
#: seven, which halves its cost; a piece's kind is worked out once per process from the piece itself
#: (`PieceTable`). The one group leaves out the blanks before a piece, which the match swallows: the space
#: between two words is then not a failed match of its own (a quarter less time).
_PIECE = re.compile(r"[^\S\n]*(" + re.sub(r"\(\?P<\w+>", "(?:", _SCAN.pattern) + ")")


def prepare(text: str) -> str:
    """NFKC (full-width to half-width, composed accents), lower-case, apostrophes unified, data masked.
    `text` may be many texts joined by `SEP`: each is prepared as if alone."""
    return _prepare_normalized(_nfkc(text))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _prepare_normalized(text: str) -> str:
    """`prepare` for text already in NFKC. (A batch is normalised text by text: NFKC returns a text that
    is already normal as it is, while one text that is not makes it rework the whole joined batch.)"""
    text = text.lower()
    if "\0" in text:
        text = text.replace("\0", " ")  # OpenCC (C strings) would cut the text there
    for apostrophe in _APOSTROPHES:
        if apostrophe in text:
            text = text.replace(apostrophe, "'")
    if not text.isascii() and _SKIP_RE.search(text):  # a search finds none 15 times faster than a sub
        text = _SKIP_RE.sub("", text)
    text = _mask_addresses(text)
    # numbers over the whole batch at once: no number, and no stretch around one, crosses SEP
    return _mask_numbers(text)


def _mask_addresses(text: str) -> str:
    """Web and e-mail addresses masked, text by text where `text` joins several by SEP: the patterns are slow
    over long text, so only the texts where "@", "www." or "http" occurs go through them."""
    found = _MAY_ADDRESS.search(text)
    if found is None:
        return text
    texts, row, at = text.split(SEP), 0, 0
    wanted: set[int] = set()
    for match in itertools.chain([found], _MAY_ADDRESS.finditer(text, found.end())):
        row += text.count(SEP, at, match.start())
        at = match.start()
        wanted.add(row)
    for row in wanted:
        texts[row] = _ADDRESS.sub(_mask, texts[row])
    return SEP.join(texts)


def _mask_numbers(text: str) -> str:
    """`_NUMBER.sub` over only the stretches of the text where a number may be: around each cluster of digit
    runs, from the start of the word run before it to the end of the one after. Runs join a cluster when
    one number could span the gap between them ("cz2024-0012345", "+420 777 123", "12,5"). The patterns try
    every position, so skipping the rest cut their cost fourfold on our workload; a property test holds
    this to the sub over the whole text."""
    starts, ends = _digit_runs(text)
    if not starts:
        return text
    stretches: list[tuple[int, int, bool]] = []  # [begin, end) of each, and whether it is a plain number
    start, end, runs_in_cluster = starts[0], ends[0], 1
    for run_start, run_end in itertools.chain(zip(starts[1:], ends[1:]), [(-1, -1)]):
        if run_start >= 0 and _JOINS_DIGITS.fullmatch(text, end, run_start):
            end, runs_in_cluster = run_end, runs_in_cluster + 1
            continue
        begin, finish = _number_start(text, start), _number_end(text, end)
        # one to four digits alone, nothing around them that a longer pattern takes: what NUM gives them
        plain = runs_in_cluster == 1 and (begin, finish) == (start, end) and end - start <= 4
        if stretches and begin <= stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], finish, False)
        else:
            stretches.append((begin, finish, plain))
        start, end, runs_in_cluster = run_start, run_end, 1
    parts, done = [], 0
    for begin, finish, plain in stretches:
        parts += [text[done:begin], _NUM_PLACEHOLDER if plain else _masked_stretch(text[begin:finish])]
        done = finish
    parts.append(text[done:])
    return "".join(parts)


#: Unicode has no decimal digit ("\\d" in a str pattern, `str.isdecimal`) beyond ASCII below U+0660, nor from
#: U+3000 to U+9FFF (CJK punctuation, kana, ideographs): `_digit_runs` looks for them only elsewhere, and a
#: test holds this to the Unicode tables of the Python running it.
_NO_DIGITS_BELOW, _NO_DIGITS_FROM, _NO_DIGITS_TO = 0x660, 0x3000, 0xA000


#: Past this many characters (a chunk of very long texts) the digit runs are found by the regex, which needs
#: no copy of the text: the code points take four bytes each.
_CODE_POINTS_MAX = 1 << 22
_DIGITS = re.compile(r"\d+")


def _digit_runs(text: str) -> tuple[list[int], list[int]]:
    """(starts, ends) of the runs of decimal digits in `text`, as `\\d+` finds them, worked out with numpy over
    its code points: the regular-expression engine spent some 15 ns on each character of a batch, numpy 3."""
    if len(text) > _CODE_POINTS_MAX:
        spans = [m.span() for m in _DIGITS.finditer(text)]
        return [start for start, _ in spans], [end for _, end in spans]
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    digit = (codes - 48) < 10  # "0" to "9" (below "0", the unsigned difference wraps around)
    elsewhere = codes >= _NO_DIGITS_BELOW
    elsewhere &= (codes < _NO_DIGITS_FROM) | (codes >= _NO_DIGITS_TO)
    if elsewhere.any():
        digits = [code for code in np.unique(codes[elsewhere]).tolist() if chr(code).isdecimal()]
        if digits:
            digit |= np.isin(codes, digits)
    edges = np.flatnonzero(np.diff(digit.view(np.int8), prepend=0, append=0))
    return edges[0::2].tolist(), edges[1::2].tolist()


#: Short stretches masked so far in this process ("48h", "1 500", "29,99" come back again and again).
_MASKED: dict[str, str] = {}
_MASKED_MAX, _MASKED_LENGTH = 100_000, 40


def _masked_stretch(stretch: str) -> str:
    masked = _MASKED.get(stretch)
    if masked is None:
        masked = _NUMBER.sub(_mask, stretch)
        if len(stretch) <= _MASKED_LENGTH:
            if len(_MASKED) >= _MASKED_MAX:
                _MASKED.clear()
            _MASKED[stretch] = masked
    return masked


def _number_start(text: str, start: int) -> int:
    """Back from a digit over what may come before a number's first one: "#", "+", "/", "-", letters, "# "."""
    while start:
        before = text[start - 1]
        if before.isalnum() or before in "_#+/-":
            start -= 1
        elif before.isspace() and start >= 2 and text[start - 2] == "#":
            start -= 2
        else:
            break
    return start


def _number_end(text: str, end: int) -> int:
    """On from a digit over what may follow a number's last one: letters, "_", "/", "-"."""
    while end < len(text) and (text[end].isalnum() or text[end] in "_/-"):
        end += 1
    return end


def fold(word: str) -> str:
    """Strip diacritics: "přišla" -> "prisla", "livrée" -> "livree"; text typed without them then matches."""
    if word.isascii():
        return word  # nothing to strip (half the words a run meets)
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def punct_token(run: str) -> str:
    """Emphatic punctuation as a feature: "!" stays, "!!!" -> "!!", "???" -> "??", "?!?!" -> "?!"."""
    if "!" in run and "?" in run:
        return "?!"
    return run[0] * min(len(run), 2)


def special_token(kind: str, piece: str) -> str | None:
    """The feature for a non-word piece, or None for a clause break (which ends a negation scope)."""
    if kind == "brk":
        return None
    if kind == "punct":
        return punct_token(piece)
    return piece


@dataclass(frozen=True)
class LanguageData:
    """What differs between alphabetic languages; every field is folded (no diacritics) and lower-case."""

    lang: str
    stop_words: frozenset[str] = frozenset()
    #: words whose prefix marks negation ("ne" in cs/sk: nedoporucuji -> ne_doporuc)
    negation_prefix: str = ""
    #: words that start with the prefix but are not negations (nebo, neco, nemocnice ...)
    not_negated: tuple[str, ...] = ()
    #: irregular forms mapped straight to their token (neni -> ne_je)
    irregular: Mapping[str, str] = field(default_factory=dict)
    #: words that negate the words after them (sk "nie", fr "pas", "jamais") ...
    negators: frozenset[str] = frozenset()
    #: ... for at most this many content words, or until a clause break or one of `scope_breakers`
    scope_length: int = 0
    scope_breakers: frozenset[str] = frozenset()
    #: elided articles and pronouns: "l'" is dropped, "n'" becomes "ne"
    elisions: Mapping[str, str] = field(default_factory=dict)
    #: words (as tokens) that turn a sentence: a new clause starts after them ("ale", "mais")
    turn_words: frozenset[str] = frozenset()
    #: inflectional suffixes, stripped longest first while the stem keeps `min_stem` letters
    suffixes: tuple[str, ...] = ()
    min_stem: int = 3

    def __post_init__(self) -> None:
        # suffixes grouped by length, longest first: stem() tries one set lookup per length
        lengths = sorted({len(x) for x in self.suffixes}, reverse=True)
        by_length = tuple((n, frozenset(x for x in self.suffixes if len(x) == n)) for n in lengths)
        object.__setattr__(self, "_suffixes_by_length", by_length)

    def stem(self, word: str) -> str:
        """Light stemming: strip the longest known suffix that leaves a stem of at least `min_stem` letters."""
        for n, suffixes in self._suffixes_by_length:  # type: ignore[attr-defined]
            if len(word) - n >= self.min_stem and word[-n:] in suffixes:
                return word[:-n]
        return word

    def negated_stem(self, word: str) -> str | None:
        """For a word negated by its prefix, the marked stem ("nedoporucuji" -> "ne_doporuc"); else None."""
        prefix = self.negation_prefix
        if not prefix or not word.startswith(prefix) or len(word) < len(prefix) + 2:
            return None
        if word.startswith(self.not_negated):
            return None
        return NEG + self.stem(word[len(prefix) :])


#: The pieces `scan_batch` finds, by their group in `_SCAN`; a word's own kind comes from its language.
_KINDS = tuple(_SCAN.groupindex)
_BRK, _PUNCT, WORD, _SEP = (_KINDS.index(k) for k in ("brk", "punct", "word", "sep"))


class PieceTable:
    """Every distinct piece seen in this process (a word as written, an emoji, "!!!", ...) gets a number,
    so that a batch is looked up piece by piece in C (`map(dict.get, ...)`) rather than in a Python loop.

    A piece's kind is the first of the scan's alternatives that matches all of it (a word with an elided
    ending, "l'", matches only in context: its start decides). Only a piece like ":)" could be of two kinds
    (an emoticon, or a break after a letter, where an emoticon may not start): it is an emoticon."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.numbers: dict[str, int] = {}
        self.kinds: list[int] = []
        self.pieces: list[str] = []
        self._kind_array = np.zeros(0, dtype=np.int8)

    def number_all(self, pieces: list[str]) -> np.ndarray:
        """The numbers of scanned pieces (what `_PIECE.findall` gives)."""
        return numbered(pieces, self.numbers, self._add)

    def _add(self, piece: str) -> int:
        number = self.numbers.get(piece)
        if number is None:
            match = _SCAN.fullmatch(piece) or _SCAN.match(piece)
            assert match is not None and match.lastgroup is not None, piece  # every piece matches the scan
            number = self.numbers[piece] = len(self.pieces)
            self.kinds.append(_KINDS.index(match.lastgroup))
            self.pieces.append(piece)
        return number

    def kind_array(self) -> np.ndarray:
        if len(self._kind_array) < len(self.kinds):
            self._kind_array = np.array(self.kinds, dtype=np.int8)
        return self._kind_array


PIECES = PieceTable()
#: Past this many distinct pieces or tokens the tables start afresh (about 100 MB at most with the caches).
MAX_DISTINCT = 200_000


@dataclass(frozen=True)
class ScannedBatch:
    """A batch of texts prepared and cut into pieces (no text boundaries among them): the piece numbers,
    the text of each piece, and each text as prepared (for Chinese, which is cut by jieba instead)."""

    piece: np.ndarray
    row: np.ndarray
    prepared: list[str]

    @property
    def n_rows(self) -> int:
        return len(self.prepared)


def scan_batch(texts: Sequence[str]) -> ScannedBatch:
    """Prepare and scan a whole batch at once: one `prepare` and one regular-expression pass over the texts
    joined by `SEP` (masks and pieces never cross it)."""
    if len(PIECES.pieces) > MAX_DISTINCT or len(TOKENS) > MAX_DISTINCT:
        PIECES.clear()
        _NEGATED.clear()
        _UNMARKED.clear()
        TOKENS.clear()
    joined = SEP.join(map(_nfkc, texts))  # NFKC leaves SEP (private use) as it is, and makes none
    if joined.count(SEP) != len(texts) - 1:
        joined = SEP.join(_nfkc(t.replace(SEP, " ")) for t in texts)
    prepared = _prepare_normalized(joined)
    numbers = PIECES.number_all(_PIECE.findall(prepared))
    is_sep = PIECES.kind_array()[numbers] == _SEP
    rows = np.cumsum(is_sep)
    return ScannedBatch(numbers[~is_sep], rows[~is_sep], prepared.split(SEP) if texts else [])


# Bits of a language's entry for a piece: the token id + 1 in the low 32 bits, then these flags.
_IS_TOKEN, _NEGATOR, _BREAKS, _TURN, _MARKED, _RESET, _ENDS = (1 << (32 + i) for i in range(7))
_LOW = (1 << 32) - 1
_UNKNOWN = -1
#: Token id -> id of its negated form ("doporuc" -> "ne_doporuc"), for every language, and back.
_NEGATED: dict[int, int] = {}
_UNMARKED: dict[int, int] = {}


#: What a word piece becomes: dropped, a negator (opens a scope), or an ordinary token.
_DROP, _NEGATOR_WORD, _TOKEN = 0, 1, 2


def ends_clause(kind: str, piece: str, ends: frozenset[str] = CLAUSE_ENDS) -> bool:
    """Whether a non-word piece ends a clause: a break or emphatic punctuation holding a sentence end.
    The one rule by which every language cuts clauses."""
    return kind in ("brk", "punct") and not ends.isdisjoint(piece)


class StreamTokenizer:
    """One text at a time, for tests and callers that have one: a batch of one through `stream`."""

    def __call__(self, text: str) -> list[str]:
        """Tokens of one text, in order; deterministic and free of I/O."""
        return self.with_clauses(text)[0]

    def with_clauses(self, text: str) -> tuple[list[str], list[list[str]]]:
        """(tokens, the tokens of each clause). A clause ends at a sentence end or before a word that turns
        the sentence ("ale", "mais", "但是"), which the clause leaves out; one-token fragments join the
        clause before."""
        stream = self.stream(scan_batch([text]), np.ones(1, dtype=bool))
        return stream.token_lists()[0], stream.clause_lists()[0]

    def stream(self, batch: ScannedBatch, wanted: np.ndarray) -> TokenStream:
        raise NotImplementedError


class WordTokenizer(StreamTokenizer):
    """Tokeniser for an alphabetic language: words folded, stemmed and negation-marked, plus emoji and masks."""

    def __init__(self, data: LanguageData) -> None:
        self.data = data
        self.lang = data.lang
        self._entries = np.zeros(0, dtype=np.int64)  # per piece number: this language's entry, or _UNKNOWN
        self._generation = TOKENS.generation

    def __getstate__(self) -> dict[str, object]:
        return {"data": self.data}  # the entries are rebuilt, not pickled

    def __setstate__(self, state: dict[str, object]) -> None:
        WordTokenizer.__init__(self, state["data"])  # type: ignore[arg-type]

    def stream(self, batch: ScannedBatch, wanted: np.ndarray) -> TokenStream:
        """The tokens of the batch's texts where `wanted` (a boolean per text) is set, computed for all of them
        at once: negation scope and clause breaks are numpy operations over the whole batch."""
        keep = wanted[batch.row]
        row = batch.row[keep]
        entry = self._lookup(batch.piece[keep])
        token = (entry & _LOW) - 1
        flags = entry & ~_LOW
        new_text = np.r_[True, row[1:] != row[:-1]] if len(row) else np.zeros(0, dtype=bool)
        negator = (flags & _NEGATOR) != 0
        # a negation scope: from a negator to a reset (break, "mais", another negator, the next text) ...
        opens = new_text | negator | ((flags & (_RESET | _BREAKS)) != 0)
        group = np.cumsum(opens) - 1
        starts = np.flatnonzero(opens)
        eligible = ((flags & (_IS_TOKEN | _MARKED)) == _IS_TOKEN) & negator[starts][group]
        negated = np.zeros(len(row), dtype=bool)
        if self.data.scope_length and eligible.any():
            # ... covering its first `scope_length` ordinary tokens
            counted = np.cumsum(eligible)
            before = counted[starts] - eligible[starts]
            negated = eligible & (counted - before[group] <= self.data.scope_length)
            token[negated] = _negate(token[negated])
        emits = token >= 0
        turn = ((flags & _TURN) != 0) & ~negated & emits
        ends = (flags & _ENDS) != 0
        raw_clause = np.cumsum(new_text | turn | np.r_[False, ends[:-1]])
        clause, clause_row = merge_clause_ids(raw_clause, row, emits & ~turn)
        return TokenStream(token[emits], row[emits], clause[emits], clause_row, batch.n_rows)

    def _lookup(self, pieces: np.ndarray) -> np.ndarray:
        """This language's entries for piece numbers, computing those not seen before."""
        if self._generation != TOKENS.generation:
            self._entries, self._generation = np.zeros(0, dtype=np.int64), TOKENS.generation
        if len(self._entries) < len(PIECES.pieces):
            grown = np.full(len(PIECES.pieces), _UNKNOWN, dtype=np.int64)
            grown[: len(self._entries)] = self._entries
            self._entries = grown
        entries = self._entries[pieces]
        unknown = entries == _UNKNOWN
        if unknown.any():
            for number in np.unique(pieces[unknown]).tolist():
                self._entries[number] = self._entry(PIECES.kinds[number], PIECES.pieces[number])
            entries = self._entries[pieces]
        result: np.ndarray = entries
        return result

    def _entry(self, kind: int, piece: str) -> int:
        """The packed entry of one piece: its token (if any) and how it acts on scope and clauses."""
        flags = 0
        token = ""
        if kind == WORD:
            action, token, breaks_scope = self._word(piece)
            flags |= _BREAKS if breaks_scope else 0
            if action == _DROP:
                token = ""
            elif action == _NEGATOR_WORD:
                flags |= _NEGATOR
            else:
                flags |= _IS_TOKEN | (_MARKED if token.startswith(NEG) else 0) | (_TURN if token in self.data.turn_words else 0)
        else:
            token = special_token(_KINDS[kind], piece) or ""
            if kind in (_BRK, _PUNCT):
                flags |= _RESET | (_ENDS if ends_clause(_KINDS[kind], piece) else 0)
        return flags | (TOKENS.id(token) + 1 if token else 0)

    def word_tokens(self, batch: ScannedBatch, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in the batch, token ids) of the word pieces of the texts where `wanted` is set, each
        token without its negation mark (-1 for a dropped word): what `explain` matches evidence back to the
        words as written with."""
        positions = np.flatnonzero(wanted[batch.row] & (PIECES.kind_array()[batch.piece] == WORD))
        entry = self._lookup(batch.piece[positions])
        token = (entry & _LOW) - 1
        marked = (entry & _MARKED) != 0
        token[marked] = _unmark(token[marked])
        return positions, token

    def _word(self, piece: str) -> tuple[int, str, bool]:
        """(action, token, whether it ends a negation scope) for one word as written."""
        data = self.data
        word = fold(piece)
        if word.endswith("'"):
            word = data.elisions.get(word, word[:-1])
        breaks_scope = word in data.scope_breakers
        if len(word) < 2:  # elided articles, initials, "č." of "obj. č."
            return _DROP, "", breaks_scope
        if word in data.negators:
            return _NEGATOR_WORD, word, breaks_scope
        if word in data.stop_words:
            return _DROP, "", breaks_scope
        token = data.irregular.get(word) or data.negated_stem(word) or data.stem(word)
        return _TOKEN, token, breaks_scope

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _negate(tokens: np.ndarray) -> np.ndarray:
    """Ids of the negated forms of token ids ("doporuc" -> "ne_doporuc")."""
    return _through(tokens, _NEGATED, lambda token: NEG + token)


def _unmark(tokens: np.ndarray) -> np.ndarray:
    """Ids of negated tokens without their mark ("ne_doporuc" -> "doporuc")."""
    return _through(tokens, _UNMARKED, lambda token: token.removeprefix(NEG))


def _through(tokens: np.ndarray, cache: dict[int, int], change: Callable[[str], str]) -> np.ndarray:
    """Token ids mapped through a change of their strings, each distinct id changed once per process."""
    for token in set(tokens.tolist()) - cache.keys():
        cache[token] = TOKENS.id(change(TOKENS.strings[token]))
    return np.fromiter(map(cache.__getitem__, tokens.tolist()), dtype=np.int64, count=len(tokens))
