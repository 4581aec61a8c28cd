"""Tokenisers: per-language (text, expected tokens) tables, and a contract every language keeps."""

from __future__ import annotations

import pickle

import pytest

from classifier.tokenizers import get_tokenizer

from .conftest import fresh_python

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
    # traditional input gives the same tokens as simplified; full-width punctuation normalised
    ("這家餐廳的服務態度很差，再也不來了！！！", ["这家", "餐厅", "服务态度", "很差", "再也不来", "!!"]),
    ("这家餐厅的服务态度很差，再也不来了!!!", ["这家", "餐厅", "服务态度", "很差", "再也不来", "!!"]),
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


def test_jieba_is_lazy_and_silent() -> None:
    """Importing the package builds nothing; first Chinese use prints nothing on stdout or stderr."""
    code = (
        "import sys, classifier\n"
        "from classifier.tokenizers import get_tokenizer\n"
        "assert 'jieba' not in sys.modules, 'jieba imported at import time'\n"
        "get_tokenizer('cs')('dobrý den')\n"
        "assert 'jieba' not in sys.modules, 'jieba imported for Czech'\n"
        "get_tokenizer('zh')('服务很好')\n"
        "assert 'jieba' in sys.modules\n"
    )
    result = fresh_python(code)
    assert result.stdout == ""
    assert result.stderr == ""
