"""Tokenisers: per-language (text, expected tokens) tables, and a contract every language keeps."""

from __future__ import annotations

import itertools
import pickle
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.tokenizers import TOKENS, base, get_tokenizer, tokenize_batch

from .conftest import corpus_split, fresh_python

CZECH = [
    ("Objednávka přišla pozdě!!!", ["objednavk", "prisl", "pozd", "!!"]),
    # typed on a phone without diacritics: the same tokens
    ("objednavka prisla pozde", ["objednavk", "prisl", "pozd"]),
    # inflected forms share one stem
    ("objednávka objednávky objednávku objednávkou", ["objednavk"] * 4),
    # negation stays apart from the positive form but keeps its stem
    ("Nedoporučuji", ["ne_doporuc"]),
    ("doporučuji", ["doporuc"]),
    # není is the negation of je; nej- is a superlative, not a negation
    ("Není to dobré, je to nejlepší", ["ne_je", "dobr", "je", "nejleps"]),
    ("nejde to zapnout", ["ne_jde", "zapnout"]),
    # personal data and order numbers masked; "nebo" is a stop word
    ("Volejte +420 777 123 456 nebo info@shop.cz", ["volejt", "_phone_", "_email_"]),
    ("obj. č. CZ2024-0012345 na www.shop.cz/x", ["obj", "_order_", "_url_"]),
    ("Stálo to 1299 Kč 😡 ???", ["stal", "_num_", "kc", "😡", "??"]),
    # loyalty cues are never stop words
    ("Nikdy víc, už nikdy!", ["nikd", "vic", "uz", "nikd", "!"]),
]

SLOVAK = [
    ("Neodporúčam, nie je to dobré.", ["ne_odporuc", "nie", "ne_je", "dobr"]),
    ("neodporucam, nie je to dobre.", ["ne_odporuc", "nie", "ne_je", "dobr"]),
    # "neskoro" (late) starts with ne- but negates nothing
    ("Kuriér bol veľmi milý, objednávka prišla neskoro", ["kurier", "bol", "velm", "mil", "objednavk", "prisl", "neskor"]),
    # "nie" negates the next content word; "som" is a stop word
    ("nie som spokojný", ["nie", "ne_spokojn"]),
    ("Určite prídem znova 👍", ["urc", "prid", "znov", "👍"]),
]

FRENCH = [
    # elisions split, negation scope marked until the comma
    ("Je ne suis pas content, la livraison n'est jamais arrivée",
     ["ne", "pas", "ne_content", "livr", "ne", "jamais", "ne_arriv"]),
    ("pas terrible", ["pas", "ne_terribl"]),
    ("Plus jamais ! Livrée en retard", ["plus", "jamais", "!", "livr", "retard"]),
    # accents folded: typed without them gives the same tokens
    ("livree en retard", ["livr", "retard"]),
    ("l'accueil d'hier était très sympa", ["accueil", "hier", "tres", "sympa"]),
    # "mais" ends the scope of "ne ... pas"
    ("Le SAV ne répond pas, mais le produit est top", ["sav", "ne", "ne_repond", "pas", "mais", "produit", "top"]),
]

CHINESE = [
    # traditional input gives the same tokens as simplified; full-width punctuation normalised; jieba's
    # dictionary mode (no HMM) leaves 很 + 差 apart, the word bigram "很 差" keeps them together
    ("這家餐廳的服務態度很差，再也不來了！！！", ["这家", "餐厅", "服务态度", "很", "差", "再也不来", "!!"]),
    ("这家餐厅的服务态度很差，再也不来了!!!", ["这家", "餐厅", "服务态度", "很", "差", "再也不来", "!!"]),
    # service dictionary keeps 没收到 whole (jieba alone gives 没收 "confiscate" + 到)
    ("快递没收到，客服也不理人😡", ["快递", "没收到", "客服", "也", "不理", "人", "😡"]),
    # negators attach to what they negate
    ("菜不好吃，没有下次了", ["菜", "不_好吃", "没有_下次"]),
    ("性价比很高，还会再来～", ["性价比", "很", "高", "还会再来"]),
    ("ＡＢＣ１２３", ["abc", "_num_"]),
]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [("cs", t, e) for t, e in CZECH]
    + [("sk", t, e) for t, e in SLOVAK]
    + [("fr", t, e) for t, e in FRENCH]
    + [("zh", t, e) for t, e in CHINESE],
)
def test_tokens(lang: str, text: str, expected: list[str]) -> None:
    assert get_tokenizer(lang)(text) == expected


@pytest.mark.parametrize("lang", ["cs", "sk", "fr", "zh", None])
class TestContract:
    def test_empty_text(self, lang: str | None) -> None:
        assert get_tokenizer(lang)("") == []
        assert get_tokenizer(lang)("   \n\t") == []

    def test_deterministic(self, lang: str | None) -> None:
        text = "Super!!! 👍 Objednávka 12345, livraison, 服务很好 https://x.cz"
        tokenizer = get_tokenizer(lang)
        assert tokenizer(text) == tokenizer(text) == get_tokenizer(lang)(text)

    def test_pickle_round_trip(self, lang: str | None) -> None:
        tokenizer = get_tokenizer(lang)
        text = "Nedoporučuji, pas terrible, 再也不来了 😡"
        before = tokenizer(text)  # used first, so a lazily built resource exists
        restored = pickle.loads(pickle.dumps(tokenizer))
        assert restored(text) == before

    def test_nothing_is_printed(self, lang: str | None, capsys: pytest.CaptureFixture[str]) -> None:
        get_tokenizer(lang)("Objednávka nepřišla, pas terrible, 再也不来了 😡 !!!")
        assert capsys.readouterr() == ("", "")

    def test_emoji_and_emphasis_kept(self, lang: str | None) -> None:
        tokens = get_tokenizer(lang)("ok 😡 !!! ???")
        assert tokens[-3:] == ["😡", "!!", "??"]


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no tokeniser for language 'de'"):
        get_tokenizer("de")


def test_chinese_segmenter_is_lazy_and_silent() -> None:
    """Importing the package loads no segmenter; first Chinese use loads rjieba's compiled module (not its
    package, which builds a cutter of its own), never jieba (only its HMM mode needs jieba), and prints
    nothing on stdout or stderr; HMM mode prints nothing either."""
    code = (
        "import sys\n"
        "import classifier\n"
        "from classifier.tokenizers import ChineseTokenizer, get_tokenizer\n"
        "assert not {'jieba', 'rjieba'} & set(sys.modules), 'a segmenter imported at import time'\n"
        "get_tokenizer('cs')('dobrý den')\n"
        "assert not {'jieba', 'rjieba'} & set(sys.modules), 'a segmenter imported for Czech'\n"
        "assert get_tokenizer('zh')('快递员态度恶劣，再也不来了') == ['快递员', '态度恶劣', '再也不来']\n"
        "assert 'rjieba.rjieba' in sys.modules and 'jieba' not in sys.modules\n"
        "assert 'rjieba' not in sys.modules, 'its package import builds a default cutter we do not use'\n"
        "import rjieba\n"
        "assert rjieba.Jieba is sys.modules['rjieba.rjieba'].Jieba, 'the compiled module loaded twice'\n"
        "ChineseTokenizer(hmm=True)('服务很好')\n"
        "assert 'jieba' in sys.modules\n"
    )
    result = fresh_python(code)
    assert result.stdout == ""
    assert result.stderr == ""


def test_chinese_segmenter_falls_back_to_rjiebas_package_import() -> None:
    """Where rjieba's compiled module is not where we look for it, the package's own import gives the cutter."""
    code = (
        "import sys, importlib.machinery\n"
        "importlib.machinery.EXTENSION_SUFFIXES[:] = ['.not-there.so']\n"
        "from classifier.tokenizers import get_tokenizer\n"
        "assert get_tokenizer('zh')('快递员态度恶劣，再也不来了') == ['快递员', '态度恶劣', '再也不来']\n"
        "assert 'rjieba' in sys.modules\n"
    )
    fresh_python(code)


HAN_TEXT = st.text(
    st.sampled_from(list("快递员态度恶劣没收到货还说已经签收了再也不会在这家买服务很好但是价格太贵不错的一般般客服回复慢") + list("ab1Z2 .,!?~%#-_\n\u3000😀")),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(HAN_TEXT, st.text(max_size=30)))
def test_dictionary_cut_gives_jiebas_words(text: str) -> None:
    """rjieba's cut is jieba's dictionary mode with our words, word for word (ties, unknown characters,
    ASCII runs, any Unicode)."""
    from classifier.tokenizers.segment import dictionary_cut, segmenter

    assert dictionary_cut()(text) == segmenter().lcut(text, HMM=False)


def test_dictionary_cut_gives_jiebas_words_on_the_corpus() -> None:
    from classifier.tokenizers.segment import dictionary_cut, segmenter
    from classifier.tokenizers.zh import to_simplified

    texts = [to_simplified(e.text) for split in ("train", "dev", "test") for e in corpus_split(split) if e.lang == "zh"]
    assert len(texts) > 1000
    for text in texts:
        assert dictionary_cut()(text) == segmenter().lcut(text, HMM=False), text


def test_service_words_stay_whole() -> None:
    """Our service dictionary is in use: words jieba's general dictionary would split stay one token."""
    from classifier.tokenizers.segment import USER_WORDS, dictionary_cut

    assert all(dictionary_cut()(word) == [word] for word in USER_WORDS)


# -- batches: the model tokenises a whole chunk at once; a text's tokens must not depend on its neighbours ----

PIECES_OF_TEXT = st.sampled_from(
    ["Objednávka", "nepřišla", "ale", "nie", "je", "pas", "du", "tout", "mais", "n'est", "l'", "très", "不", "好", "但是",
     "服务", "😡", ":)", ";p", "!!!", "?", ".", ",", "\n", " - ", "#12345", "www.shop.cz/x", "a@b.cz", "120 Kč",
     "+420 777 123 456", "\ue000", "ok", "Nic", "moc", "...", "(", ")", "€", "_num_", "'", "ne", "nikdy", "\t", "\t–", "Super:)", "=D"]
)
BATCH_TEXTS = st.lists(st.lists(PIECES_OF_TEXT, max_size=12).map(" ".join) | st.text(max_size=40), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(BATCH_TEXTS, st.lists(st.sampled_from(["cs", "sk", "fr", "zh", None]), min_size=8, max_size=8))
def test_a_batch_gives_each_text_the_tokens_and_clauses_it_has_alone(texts: list[str], langs: list[str | None]) -> None:
    langs = langs[: len(texts)]
    stream = tokenize_batch(texts, langs)
    alone = [get_tokenizer(lang).with_clauses(text) for text, lang in zip(texts, langs)]
    assert stream.token_lists() == [tokens for tokens, _ in alone]
    assert stream.clause_lists() == [clauses for _, clauses in alone]


@settings(max_examples=300, deadline=None)
@given(BATCH_TEXTS)
def test_each_piece_has_the_kind_the_scan_found_it_as(texts: list[str]) -> None:
    """Pieces are scanned without groups and their kind is worked out from the piece alone: the same kind
    as the grouped scan gives in context, except that ":)" after a letter is an emoticon, not a break."""
    texts = [text.replace(base.SEP, " ") for text in texts]
    prepared = base.prepare(base.SEP.join(texts))
    assert base._prepare_normalized(base.SEP.join(map(base._nfkc, texts))) == prepared  # NFKC text by text
    matches = list(base._SCAN.finditer(prepared))
    assert base._PIECE.findall(prepared) == [m.group() for m in matches]
    numbers = base.PIECES.number_all([m.group() for m in matches]).tolist()
    for match, number in zip(matches, numbers):
        if not re.fullmatch(r"[:;][()]+", match.group()):
            assert base._KINDS[base.PIECES.kinds[number]] == match.lastgroup, match.group()


@settings(max_examples=400, deadline=None)
@given(BATCH_TEXTS.map(" ".join) | st.text(max_size=60))
def test_special_pieces_are_found_run_by_run_as_position_by_position(text: str) -> None:
    """`SPECIAL_OR_RUN` skips runs of characters that start no special piece: it finds the same special
    pieces, at the same places, as `SPECIALS` trying every position."""
    prepared = base.prepare(text.replace(base.SEP, " "))
    every_position = [(m.start(), m.end(), m.lastgroup) for m in base.SPECIALS.finditer(prepared)]
    by_runs = [(m.start(), m.end(), m.lastgroup) for m in base.SPECIAL_OR_RUN.finditer(prepared) if m.lastgroup]
    assert by_runs == every_position


NUMBER_TEXT = st.lists(
    st.sampled_from(list("ab cz#+/-_.,()\n\t0123456789") + ["obj", "cz2024", "+420 ", "# ", "\u0663", "é", "x1", base.SEP,
                                                               " 7 ", "1234", "12345", ") ", "777 123 456", "12,5", "²"]),
    max_size=30,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(NUMBER_TEXT | st.text(max_size=30))
def test_numbers_are_masked_as_over_the_whole_text(text: str) -> None:
    """Masking only the stretches around clusters of digits, and short numbers alone without the patterns,
    gives what the number patterns give over the whole text."""
    assert base._mask_numbers(text) == base._NUMBER.sub(base._mask, text)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(list("a1 9\n") + ["\u0663\u0664", "\u0967", "\U0001d7ce", "\U0001fbf1", "\ud800", "二", "½", "²",
                                                 "é", "😀", base.SEP, "١٢"]), max_size=25).map("".join) | st.text(max_size=30))
def test_digit_runs_are_those_the_regex_finds(text: str) -> None:
    """`_digit_runs` (numpy over code points) finds the runs `\\d+` finds: Unicode digits, lone surrogates,
    digit-like characters that are not decimal ("²", "½", "二") included."""
    expected = [m.span() for m in re.finditer(r"\d+", text)]
    starts, ends = base._digit_runs(text)
    assert list(zip(starts, ends)) == expected
    base._CODE_POINTS_MAX, limit = 0, base._CODE_POINTS_MAX  # the regex, for chunks too long to copy
    try:
        starts, ends = base._digit_runs(text)
    finally:
        base._CODE_POINTS_MAX = limit
    assert list(zip(starts, ends)) == expected


def test_no_decimal_digit_where_digit_runs_does_not_look() -> None:
    """The code points `_digit_runs` skips hold no decimal digit in this Python's Unicode tables."""
    skipped = itertools.chain(range(0x80, base._NO_DIGITS_BELOW), range(base._NO_DIGITS_FROM, base._NO_DIGITS_TO))
    assert not [hex(code) for code in skipped if chr(code).isdecimal()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a@b.cz", "www.x.fr", "http://y.sk/z", "@", "mail", " ", "kurýr", ".", "ok@", "https:"]),
                max_size=6).map("".join), st.integers(1, 4))
def test_addresses_in_a_batch_are_masked_text_by_text(text: str, copies: int) -> None:
    texts = [text, "bez adresy"] * copies
    joined = base._mask_addresses(base.SEP.join(texts))
    assert joined == base.SEP.join(base._ADDRESS.sub(base._mask, t) for t in texts)


def test_an_emoticon_right_after_a_word_is_still_an_emoticon() -> None:
    assert get_tokenizer("cs")("Super:) Díky;)") == ["super", ":)", "dik", ";)"]
    assert get_tokenizer("cs")("Nepřišlo to:(.")[-1] == "ne_prisl"  # ":(." is a clause break, not a face


def test_clause_rules_on_a_batch() -> None:
    stream = tokenize_batch(["Kurýr milý, ale balík rozbitý. Jinak ok. Díky", "pas mal", "Super!"], ["cs", "fr", "cs"])
    assert stream.clause_lists() == [
        # "ale" turns the sentence and belongs to no clause; the one-token clause "diky" joins the one before
        [["kuryr", "mil"], ["balik", "rozbit"], ["jinak", "ok", "dik"]],
        [["pas", "ne_mal"]],
        [["super", "!"]],
    ]


def test_tables_start_afresh_when_full_and_tokens_stay_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Objednávka nepřišla, nikdo se neozval 😡", "Le SAV ne répond pas", "服务态度很好"]
    langs: list[str | None] = ["cs", "fr", "zh"]
    before = tokenize_batch(texts, langs).token_lists()
    generation = TOKENS.generation
    monkeypatch.setattr(base, "MAX_DISTINCT", 0)
    assert tokenize_batch(texts, langs).token_lists() == before
    assert TOKENS.generation > generation


def test_a_nul_character_does_not_cut_chinese_text() -> None:
    # OpenCC works on C strings: before NULs were replaced, everything after one was silently lost
    assert get_tokenizer("zh")("好\x00服务很好") == ["好", "服务", "很", "好"]
