"""A realistic mixed-language workload built from our corpora, so the benchmarks need nothing from outside.

Each row is a corpus text, a quarter per language, a third of the Czech and Slovak ones stripped of
diacritics, some with an emoji or a second sentence from another text of the same language appended,
so that rows are not exact repeats of the corpus.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

from classifier.corpus import find_corpus_files, read_examples
from classifier.langid import strip_diacritics

ROOT = Path(__file__).resolve().parent.parent
EMOJI = ["", "", "", " 😡", " 👍", " 🙄", " !!!", " :("]


def corpus_texts() -> dict[str, list[str]]:
    by_lang: dict[str, list[str]] = {"cs": [], "sk": [], "fr": [], "zh": []}
    for files in find_corpus_files([ROOT / "corpora"]).values():
        for file in files:
            if file.suffix == ".jsonl":
                for example in read_examples(file):
                    by_lang[example.lang].append(example.text)
    return by_lang


def rows(n: int, seed: int = 0) -> Iterator[tuple[int, str, str]]:
    """(id, lang, text) rows, languages interleaved."""
    rng = random.Random(seed)
    texts = corpus_texts()
    langs = ["cs", "sk", "fr", "zh"]
    for i in range(n):
        lang = langs[i % 4]
        text = rng.choice(texts[lang])
        if rng.random() < 0.3:
            text = text + " " + rng.choice(texts[lang])
        text += rng.choice(EMOJI)
        if lang in ("cs", "sk") and rng.random() < 0.33:
            text = strip_diacritics(text)
        yield i, lang, text


def write_csv(path: Path, n: int, seed: int = 0) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "lang", "text"])
        writer.writerows(rows(n, seed))
    return path
