"""Machinery shared by every language: normalisation, masking, emoji and punctuation, folding, negation, stemming.

A language module supplies only data (a `LanguageData`); `WordTokenizer` turns it into a tokeniser.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

#: Placeholders that replace personal or volatile data; they survive lower-casing and word splitting.
URL, EMAIL, PHONE, ORDER, NUM = "_url_", "_email_", "_phone_", "_order_", "_num_"
#: The marker put in front of a negated word: "ne_doporuc", "ne_terribl". Chinese uses its negator instead.
NEG = "ne_"

_APOSTROPHES = ("\u2019", "\u2018", "`", "\u00b4", "\u02bc")
#: Web and e-mail addresses; tried only on texts with "@", "www." or "http".
_ADDRESS = re.compile(r"(?P<url>(?:https?://|www\.)\S+)|(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE)
_MAY_ADDRESS = re.compile(r"@|www\.|https?:", re.IGNORECASE)
#: Numbers, in order of precedence (at one position the first that matches wins); tried only with a digit.
_NUMBER_PATTERNS = (
    # order, invoice and tracking numbers: "#12345", "CZ2024-0012345", "obj. 2023/0815" ...
    (ORDER, r"#\s?\w*\d[\w/-]*|\b[a-z]{1,5}[-/]?\d[\d/-]{4,}\w*\b|\b\d{4,}[/-]\d{3,}\b"),
    # phone numbers: an optional +country code and at least nine digits in groups
    (PHONE, r"(?<![\w+])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?(?:[ .-]?\d{2,4}){2,3}(?!\w)"),
    (ORDER, r"\d{5,}"),
    (NUM, r"\d+(?:[.,]\d+)?"),
)
_NUMBER = re.compile("|".join(f"(?P<m{i}>{pattern})" for i, (_, pattern) in enumerate(_NUMBER_PATTERNS)), re.IGNORECASE)
_PLACEHOLDER = {f"m{i}": f" {placeholder} " for i, (placeholder, _) in enumerate(_NUMBER_PATTERNS)}
_PLACEHOLDER.update(url=f" {URL} ", email=f" {EMAIL} ")
_DIGIT = re.compile(r"\d")


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
    r"|(?P<emoticon>(?<!\w)[:;=][-']?[()dp/\\|\]\[*]+(?!\w))"
    rf"|(?P<emoji>[{_EMOJI}])"
    r"|(?P<punct>[!?]+)"
    r"|(?P<currency>[€$£¥])"
    r"|(?P<brk>[.,;:\n()\"…、。，；：]+|\s[-–—]\s)"
)
#: Everything in prepared text that is not a word: masks, emoticons, emoji, emphatic punctuation, clause breaks.
SPECIALS = re.compile(_SPECIALS)
#: One scan splits prepared text into those pieces and words.
_SCAN = re.compile(_SPECIALS + r"|(?P<word>[^\W\d_]+(?:'(?=[^\W\d_]))?)")


def prepare(text: str) -> str:
    """NFKC (full-width to half-width, composed accents), lower-case, apostrophes unified, data masked."""
    text = unicodedata.normalize("NFKC", text).lower()
    for apostrophe in _APOSTROPHES:
        if apostrophe in text:
            text = text.replace(apostrophe, "'")
    if not text.isascii():
        text = _SKIP_RE.sub("", text)
    if _MAY_ADDRESS.search(text):
        text = _ADDRESS.sub(_mask, text)
    if _DIGIT.search(text):
        text = _NUMBER.sub(_mask, text)
    return text


def fold(word: str) -> str:
    """Strip diacritics: "přišla" -> "prisla", "livrée" -> "livree"; text typed without them then matches."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def punct_token(run: str) -> str:
    """Emphatic punctuation as a feature: "!" stays, "!!!" -> "!!", "???" -> "??", "?!?!" -> "?!"."""
    if "!" in run and "?" in run:
        return "?!"
    return run[0] * min(len(run), 2)


def scan(prepared: str) -> Iterator[tuple[str, str]]:
    """Yield (kind, piece) for every meaningful piece of prepared text; kind is a group name of `_SCAN`."""
    for match in _SCAN.finditer(prepared):
        kind = match.lastgroup or ""
        yield kind, match.group(kind)


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


def add_special(kind: str, piece: str, tokens: list[str], clauses: list[list[str]], ends: frozenset[str] = CLAUSE_ENDS) -> None:
    """Add a non-word piece: its token (if any) to the text and the current clause; a sentence end starts a
    new clause. Shared by every tokeniser, so that all languages cut clauses by the same rule."""
    special = special_token(kind, piece)
    if special is not None:
        tokens.append(special)
        clauses[-1].append(special)
    if kind in ("brk", "punct") and not ends.isdisjoint(piece):
        clauses.append([])


def merge_clauses(clauses: list[list[str]]) -> list[list[str]]:
    """Drop empty clauses; a one-token fragment joins the clause before it."""
    merged: list[list[str]] = []
    for clause in clauses:
        if merged and len(clause) < 2:
            merged[-1].extend(clause)
        elif clause:
            merged.append(clause)
    return merged


#: What a word piece becomes: dropped, a negator (opens a scope), or an ordinary token.
_DROP, _NEGATOR, _TOKEN = 0, 1, 2
_CACHE_SIZE = 100_000


class WordTokenizer:
    """Tokeniser for an alphabetic language: words folded, stemmed and negation-marked, plus emoji and masks."""

    def __init__(self, data: LanguageData) -> None:
        self.data = data
        self.lang = data.lang
        self._cache: dict[str, tuple[int, str, bool]] = {}

    def __getstate__(self) -> dict[str, object]:
        return {"data": self.data}  # the word cache is rebuilt, not pickled

    def __setstate__(self, state: dict[str, object]) -> None:
        WordTokenizer.__init__(self, state["data"])  # type: ignore[arg-type]

    def __call__(self, text: str) -> list[str]:
        """Tokens of one text, in order; deterministic and free of I/O."""
        return self.with_clauses(text)[0]

    def with_clauses(self, text: str) -> tuple[list[str], list[list[str]]]:
        """(tokens, the tokens of each clause). A clause ends at a sentence end or before a word that turns
        the sentence ("ale", "mais"), which the clause leaves out; one-token fragments join the clause before."""
        cache = self._cache
        data = self.data
        tokens: list[str] = []
        clauses: list[list[str]] = [[]]
        scope = 0
        for kind, piece in scan(prepare(text)):
            if kind != "word":
                if kind in ("brk", "punct"):
                    scope = 0
                add_special(kind, piece, tokens, clauses)
                continue
            entry = cache.get(piece)
            if entry is None:
                entry = self.word_entry(piece)
            action, token, breaks_scope = entry
            if breaks_scope:
                scope = 0
            if action == _NEGATOR:
                tokens.append(token)
                clauses[-1].append(token)
                scope = data.scope_length
            elif action == _TOKEN:
                if scope and not token.startswith(NEG):
                    token = NEG + token
                    scope -= 1
                tokens.append(token)
                if token in data.turn_words:
                    clauses.append([])
                else:
                    clauses[-1].append(token)
        return tokens, merge_clauses(clauses)

    def word_token(self, word: str) -> str:
        """The token of one lower-cased word as written ("" for a stop word), without negation scope."""
        action, token, _ = self._cache.get(word) or self.word_entry(word)
        return token if action != _DROP else ""

    def word_entry(self, piece: str) -> tuple[int, str, bool]:
        """`_word`, cached (the cache is cleared when full)."""
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        entry = self._cache[piece] = self._word(piece)
        return entry

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
            return _NEGATOR, word, breaks_scope
        if word in data.stop_words:
            return _DROP, "", breaks_scope
        token = data.irregular.get(word) or data.negated_stem(word) or data.stem(word)
        return _TOKEN, token, breaks_scope

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
