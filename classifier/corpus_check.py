"""`feedback corpus check`: validate a corpus, count its labels, flag near-duplicates and language mismatches.

Schema errors and duplicates (the same id, or texts whose character 5-gram Jaccard similarity exceeds 0.8
within a language) fail the check; language mismatches and missing label pairs are reported as warnings.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .corpus import find_corpus_files, parse_example
from .errors import CorpusError
from .labels import DIMENSIONS, INTENTS, LANGUAGES, SENTIMENTS
from .langid import strip_diacritics, train_language_identifier
from .records import Example

NEAR_DUPLICATE = 0.8
MIN_PAIR = 40  # texts per (dimension, sentiment) and language that the corpus aims for


@dataclass
class CorpusReport:
    examples: list[Example] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.examples) and not self.errors and not self.duplicates


def _read_all(paths: Iterable[str | Path], report: CorpusReport) -> None:
    """Every example of every split, collecting all schema errors rather than stopping at the first."""
    splits = find_corpus_files(paths)
    for split in ("train", "dev", "test"):
        for file in splits[split]:
            for line, raw in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                if not raw.strip():
                    continue
                try:
                    report.examples.append(parse_example(json.loads(raw), file, line))
                except json.JSONDecodeError as exc:
                    report.errors.append(f"{file}, line {line}: not valid JSON ({exc.msg}).")
                except CorpusError as exc:
                    report.errors.append(str(exc))


def _grams(text: str) -> set[str]:
    folded = re.sub(r"\s+", " ", strip_diacritics(unicodedata.normalize("NFKC", text).lower())).strip()
    return {folded[i : i + 5] for i in range(max(1, len(folded) - 4))}


def near_duplicates(examples: Sequence[Example], threshold: float = NEAR_DUPLICATE) -> list[tuple[int, int, float]]:
    """Pairs (i, j, similarity) of texts in the same language whose 5-gram Jaccard similarity exceeds threshold."""
    from scipy import sparse

    pairs: list[tuple[int, int, float]] = []
    for lang in LANGUAGES:
        chosen = [i for i, e in enumerate(examples) if e.lang == lang]
        grams = [_grams(examples[i].text) for i in chosen]
        vocabulary: dict[str, int] = {}
        rows, cols = [], []
        for row, gram_set in enumerate(grams):
            for gram in gram_set:
                rows.append(row)
                cols.append(vocabulary.setdefault(gram, len(vocabulary)))
        if not rows:
            continue
        matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(grams), len(vocabulary)))
        overlap = sparse.triu(matrix @ matrix.T, k=1).tocoo()
        sizes = np.array([len(g) for g in grams])
        union = sizes[overlap.row] + sizes[overlap.col] - overlap.data
        similarity = overlap.data / union
        for a, b, s in zip(overlap.row, overlap.col, similarity):
            if s > threshold and min(sizes[a], sizes[b]) > 3:
                pairs.append((chosen[a], chosen[b], float(s)))
        # texts too short for 5-grams count as duplicates when identical once normalised ("还行吧" twice)
        seen: dict[frozenset[str], int] = {}
        for row, gram_set in enumerate(grams):
            if len(gram_set) <= 3:
                key = frozenset(gram_set)
                if key in seen:
                    pairs.append((chosen[seen[key]], chosen[row], 1.0))
                else:
                    seen[key] = row
    return pairs


def language_mismatches(examples: Sequence[Example], folds: int = 5) -> list[tuple[int, str | None]]:
    """Texts whose language, detected by a model that did not see them (cross-fitted), differs from the label."""
    found: list[tuple[int, str | None]] = []
    for fold in range(folds):
        held = [i for i in range(len(examples)) if i % folds == fold]
        rest = [i for i in range(len(examples)) if i % folds != fold]
        identifier = train_language_identifier([examples[i].text for i in rest], [examples[i].lang for i in rest])
        for i, (lang, _) in zip(held, identifier.detect_many([examples[i].text for i in held])):
            if lang is not None and lang != examples[i].lang:
                found.append((i, lang))
    return sorted(found)


def check_corpus(paths: Iterable[str | Path]) -> CorpusReport:
    """Read and check a corpus; `report.ok` is False on schema errors or duplicates."""
    report = CorpusReport()
    _read_all(paths, report)
    examples = report.examples
    for key, count in Counter((e.lang, e.id) for e in examples).items():
        if count > 1:
            report.duplicates.append(f"id {key[1]!r} appears {count} times in {key[0]}")
    for a, b, s in near_duplicates(examples):
        report.duplicates.append(
            f"near-duplicate ({s:.2f}): {examples[a].id} ~ {examples[b].id}: {examples[a].text[:50]!r} ~ {examples[b].text[:50]!r}"
        )
    for i, lang in language_mismatches(examples):
        report.warnings.append(f"{examples[i].id}: labelled {examples[i].lang}, reads as {lang}: {examples[i].text[:60]!r}")
    pairs = Counter((e.lang, a.dimension, a.sentiment) for e in examples for a in e.aspects)
    for lang in sorted({e.lang for e in examples}, key=LANGUAGES.index):
        for d in DIMENSIONS:
            for sentiment in SENTIMENTS:
                count = pairs[(lang, d, sentiment)]
                if count < MIN_PAIR:
                    report.warnings.append(f"{lang}: only {count} texts for {d} {sentiment} (aim: {MIN_PAIR})")
    return report


def _field_is(name: str, value: str) -> Callable[[Example], bool]:
    def predicate(example: Example) -> bool:
        return bool(getattr(example, name) == value)

    return predicate


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def _is_traditional(text: str) -> bool:
    from .tokenizers.zh import to_simplified

    return to_simplified(text) != text


def format_report(report: CorpusReport) -> str:
    """Markdown: counts per language x dimension x sentiment, intents, shares; then problems."""
    examples = report.examples
    langs = sorted({e.lang for e in examples}, key=LANGUAGES.index)
    lines = [f"{len(examples)} texts: " + ", ".join(f"{lang} {sum(e.lang == lang for e in examples)}" for lang in langs), ""]
    pairs = Counter((e.lang, a.dimension, a.sentiment) for e in examples for a in e.aspects)
    lines.append("| dimension | " + " | ".join(f"{lang} +/~/-" for lang in langs) + " |")
    lines.append("|---|" + "---|" * len(langs))
    for d in DIMENSIONS:
        cells = ["/".join(str(pairs[(lang, d, s)]) for s in SENTIMENTS) for lang in langs]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    lines += ["", "| | " + " | ".join(langs) + " |", "|---|" + "---|" * len(langs)]
    by_lang = {lang: [e for e in examples if e.lang == lang] for lang in langs}

    def row(title: str, predicate: Callable[[Example], bool]) -> None:
        shares = (_share(sum(map(predicate, by_lang[lang])), len(by_lang[lang])) for lang in langs)
        lines.append(f"| {title} | " + " | ".join(shares) + " |")

    for sentiment in SENTIMENTS:
        row(f"sentiment {sentiment}", _field_is("sentiment", sentiment))
    for intent in INTENTS:
        row(f"intent {intent}", _field_is("intent", intent))
    row("two or more dimensions", lambda e: len(e.aspects) > 1)
    row("no diacritics (cs, sk, fr)", lambda e: e.lang != "zh" and strip_diacritics(e.text) == e.text)
    row("traditional characters (zh)", lambda e: e.lang == "zh" and _is_traditional(e.text))
    row("1-4 words / characters", lambda e: (len(e.text) <= 6) if e.lang == "zh" else len(e.text.split()) <= 4)
    lines.append("")
    for title, items in (("errors", report.errors), ("duplicates", report.duplicates), ("warnings", report.warnings)):
        lines.append(f"{len(items)} {title}")
        lines.extend(f"  {item}" for item in items[:200])
    lines.append("corpus OK" if report.ok else "corpus check FAILED")
    return "\n".join(lines)
