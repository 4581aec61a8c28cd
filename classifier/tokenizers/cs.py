"""Czech: folded, lightly stemmed, "ne-" negation kept apart (nedoporučuji -> ne_doporuc)."""

from __future__ import annotations

from .base import LanguageData, WordTokenizer

# Function words only. Never negators (ne, nikdy, nic, žádný), intensifiers (velmi, moc, hrozně, tak),
# contrast (ale) or loyalty cues (už, znovu, zase, doporučuji).
STOP_WORDS = frozenset(
    "a i v ve na do z ze s se si o u k ke po za od pro pri pred nad pod mezi to ten ta ty tu tom tim tech "
    "toho tomu jsem jsi jsme jste jsou by bych bys bychom aby abych kdyz co jak jako ktery ktera ktere "
    "kteri kterou kterym jeho jeji jejich jej ji jim ho mu mi me mne nam vam nas vas ja ty on ona ono oni "
    "my vy muj moje moji tvuj svuj sve svoje svym nebo".split()
)

# Case, number, adjective and common verb endings, on folded text.
SUFFIXES = tuple(
    "atech atum aty ata emi ami ach ech ich ych ymi imi eho emu ovi ove ova ovy ou om em im ym es "
    "ujeme ujete ujou uji uju uje ovat ovala ovali oval ila ili ilo il ime ite eme ete ame ate at it "
    "ani eni a e i o u y".split()
)

CZECH = LanguageData(
    lang="cs",
    stop_words=STOP_WORDS,
    negation_prefix="ne",
    # start with "ne" but negate nothing: or, something, someone, Sunday, hospital, accident, property, let;
    # "nej-" is the superlative (nejlepší), its few negated verbs (nejde, nejsem) are listed in `irregular`
    not_negated=(
        "nebo", "nebot", "neco", "nekd", "nekter", "nekol", "nej", "nemec", "nemoc", "nedel", "nerv",
        "nemovit", "netto", "nehod", "neust", "nech",
    ),
    irregular={
        "neni": "ne_je", "nejde": "ne_jde", "nejdou": "ne_jde", "nejsem": "ne_jsem", "nejsou": "ne_jsem",
        "nejsme": "ne_jsem", "nejste": "ne_jsem", "nejel": "ne_jel", "nejela": "ne_jel", "nejezdi": "ne_jezd",
    },
    # "but": a new clause starts after these (as tokens: folded, and short enough to escape stemming)
    turn_words=frozenset({"ale", "avsak", "vsak", "jenz", "ibaz", "but"}),
    suffixes=SUFFIXES,
)


class CzechTokenizer(WordTokenizer):
    def __init__(self) -> None:
        super().__init__(CZECH)
