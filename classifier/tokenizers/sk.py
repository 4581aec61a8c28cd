"""Slovak: folded, lightly stemmed, "ne-" negation kept apart (neodporúčam -> ne_odporuc, nie je -> ne_je)."""

from __future__ import annotations

from .base import LanguageData, WordTokenizer

# Function words only. Never negators (nie, ne-, nikdy, nič, žiadny), intensifiers (veľmi, strašne, fakt),
# contrast (ale, no) or loyalty cues (už, znova, určite, odporúčam).
STOP_WORDS = frozenset(
    "a i v vo na do z zo s so sa si o u k ku po za od pre pri pred nad pod medzi to ten ta tá ty tu tom tym "
    "tych toho tomu som si sme ste su by aby ked co ako ktory ktora ktore ktori ktoru jeho jej ich ho mu mi "
    "ma mne nam vam nas vas ja ty on ona ono oni my vy moj moja moje svoj svoje svojim".split()
)

SUFFIXES = tuple(
    "atach iach ami ach och ich ych ymi imi eho emu ovi ove ova ovy ou om ej em im ym ia ie iu ii "
    "ujeme ujete uju ujem uje ovat ovala ovali oval ila ili ilo il ime ite eme ete ame ate am at it "
    "ani enie eni a e i o u y".split()
)

SLOVAK = LanguageData(
    lang="sk",
    stop_words=STOP_WORDS,
    negation_prefix="ne",
    # start with "ne" but negate nothing: or, Sunday, hospital, accident, property, let, late (neskoro)
    not_negated=("nebo", "nedel", "nemoc", "nemec", "nemovit", "nehod", "nerv", "netto", "nech", "neskor"),
    irregular={"niet": "ne_je"},
    # "nie je", "nie som": the separate negator marks the next content word
    negators=frozenset({"nie"}),
    scope_length=1,
    # "but": a new clause starts after these (as tokens: folded, and short enough to escape stemming)
    turn_words=frozenset({"ale", "avsak", "vsak", "lenz", "no", "but"}),
    suffixes=SUFFIXES,
)


class SlovakTokenizer(WordTokenizer):
    def __init__(self) -> None:
        super().__init__(SLOVAK)
