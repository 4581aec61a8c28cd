"""French: elisions split, accents folded, negation scope marked (ne ... pas, "pas terrible"), light stemming."""

from __future__ import annotations

from .base import LanguageData, WordTokenizer

# Function words only. Never ne, pas, plus, jamais, rien, sans, très, trop, mais, vraiment, bien.
STOP_WORDS = frozenset(
    "le la les un une des du de au aux a je tu il elle on nous vous ils elles me te se ce cet cette ces "
    "mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs que qui dont en y pour par sur dans "
    "avec chez est suis es sont etre etait etaient ai as avons avez ont avait avaient ete lui eux ca cela "
    "ceci celui celle ou et".split()
)

# Plural, adverb, noun and verb endings, on folded text.
SUFFIXES = tuple(
    "issements issement ements ement ations ation atrices atrice ateurs ateur euses euse eux aisons aison "
    "ables able ments ment ites ite erions eriez erons erez eraient erait erai eras era aient ait ais ant ons "
    "ez er ees ee es e s x".split()
)

FRENCH = LanguageData(
    lang="fr",
    stop_words=STOP_WORDS,
    irregular={"nul": "nul", "nulle": "nul", "nuls": "nul", "plus": "plus", "tres": "tres", "mais": "mais"},
    # "ne"/"n'" opens a negation; so do the second halves when "ne" is dropped, as in speech: "j'ai pas reçu"
    negators=frozenset({"ne", "pas", "jamais", "rien", "aucun", "aucune", "sans", "guere"}),
    scope_length=3,
    scope_breakers=frozenset({"mais", "et", "car", "donc", "parce", "puis", "sinon", "cependant", "pourtant"}),
    elisions={"l'": "", "d'": "", "j'": "", "m'": "", "t'": "", "s'": "", "c'": "", "qu'": "", "n'": "ne",
              "jusqu'": "", "lorsqu'": "", "puisqu'": "", "quoiqu'": ""},
    # "but": a new clause starts after these (as tokens: folded, and short enough to escape stemming)
    turn_words=frozenset({"mais", "cependant", "pourtant", "but"}),
    suffixes=SUFFIXES,
)


class FrenchTokenizer(WordTokenizer):
    def __init__(self) -> None:
        super().__init__(FRENCH)
