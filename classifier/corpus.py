"""Labelled corpora: read and validate examples from JSONL or CSV, find the splits of a corpus directory.

A corpus directory holds `<lang>/train.jsonl`, `dev.jsonl` and `test.jsonl`; files named otherwise are
training data. Every error names the file, the line and the bad value (see corpora/README.md).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import CorpusError
from .labels import DIMENSIONS, INTENTS, LANGUAGES, SENTIMENTS
from .records import Aspect, Example

SPLITS = ("train", "dev", "test")
#: Texts in languages other than ours, one a line, used only to teach language ID to answer None.
OTHER_LANGUAGES_FILE = "other.txt"
FIELDS = ("id", "text", "lang", "dimensions", "aspects", "sentiment", "intent")


def find_corpus_files(paths: Iterable[str | Path]) -> dict[str, list[Path]]:
    """Files of each split: directories are searched for train/dev/test .jsonl (and `other.txt`, under the
    key "other"); a plain file is training data."""
    splits: dict[str, list[Path]] = {split: [] for split in (*SPLITS, "other")}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".jsonl", ".csv") and p.stem in SPLITS)
            if not found:
                raise CorpusError(f"{path}: no train/dev/test .jsonl or .csv files in this directory.")
            for file in found:
                splits[file.stem].append(file)
            splits["other"].extend(sorted(path.rglob(OTHER_LANGUAGES_FILE)))
        elif path.is_file():
            splits[path.stem if path.stem in SPLITS else "train"].append(path)
        else:
            raise CorpusError(f"{path}: no such file or directory.")
    return splits


def read_examples(path: str | Path) -> list[Example]:
    """All examples of one .jsonl or .csv file (CSV: the same columns, dimensions separated by `;`)."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            if path.suffix.lower() == ".csv":
                rows: Iterable[tuple[int, Any]] = ((n + 2, row) for n, row in enumerate(csv.DictReader(handle)))
            else:
                rows = _jsonl_rows(path, handle)
            examples = [parse_example(row, path, line) for line, row in rows]
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); save the corpus as UTF-8.") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror}).") from None
    return examples


def _jsonl_rows(path: Path, handle: Iterable[str]) -> Iterable[tuple[int, Any]]:
    for line, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        try:
            yield line, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}, line {line}: not valid JSON ({exc.msg}).") from None


def parse_example(row: Any, path: Path | str = "<input>", line: int = 0) -> Example:
    """One validated example from a JSON object or CSV row; CorpusError says what is wrong and where."""
    where = f"{path}, line {line}"
    if not isinstance(row, Mapping):
        raise CorpusError(f"{where}: expected an object with fields {', '.join(FIELDS)}.")
    missing = [f for f in FIELDS if f not in row and not (f == "aspects" and "dimensions" in row)]
    if missing:
        raise CorpusError(f"{where}: missing field(s) {', '.join(missing)}.")
    text, lang = row["text"], row["lang"]
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: field 'text' is empty.")
    _check(where, "lang", lang, LANGUAGES)
    _check(where, "sentiment", row["sentiment"], SENTIMENTS)
    _check(where, "intent", row["intent"], INTENTS)
    dimensions = row["dimensions"]
    if isinstance(dimensions, str):  # CSV: "reliability;empathy"
        dimensions = [d.strip() for d in dimensions.split(";") if d.strip()]
    if not isinstance(dimensions, list) or not dimensions:
        raise CorpusError(f"{where}: field 'dimensions' must list at least one dimension.")
    for d in dimensions:
        _check(where, "dimensions", d, DIMENSIONS)
    if len(set(dimensions)) != len(dimensions):
        raise CorpusError(f"{where}: field 'dimensions' repeats a dimension: {dimensions}.")
    aspects = _aspects(where, row.get("aspects"), dimensions, row["sentiment"])
    return Example(str(row["id"]), text, lang, aspects, row["sentiment"], row["intent"])


def _aspects(where: str, raw: Any, dimensions: Sequence[str], sentiment: str) -> tuple[Aspect, ...]:
    """Aspects as given, or (CSV without them, or an empty cell) every dimension with the overall sentiment."""
    if raw in (None, ""):
        return tuple(Aspect(d, sentiment) for d in dimensions)  # type: ignore[arg-type]
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise CorpusError(f"{where}: field 'aspects' is not a JSON list.") from None
    if not isinstance(raw, list) or not all(isinstance(a, Mapping) for a in raw):
        raise CorpusError(f"{where}: field 'aspects' must be a list of {{dimension, sentiment}} objects.")
    if [a.get("dimension") for a in raw] != list(dimensions):
        raise CorpusError(f"{where}: 'aspects' must name the same dimensions as 'dimensions', in the same order.")
    for a in raw:
        _check(where, "aspects.sentiment", a.get("sentiment"), SENTIMENTS)
    return tuple(Aspect(a["dimension"], a["sentiment"]) for a in raw)


def _check(where: str, name: str, value: Any, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise CorpusError(f"{where}: field '{name}' is {value!r}; expected one of {', '.join(allowed)}.")


def corpus_sha256(files: Iterable[Path]) -> str:
    """One digest over the files' names and contents, in sorted order: the identity of a training corpus."""
    digest = hashlib.sha256()
    for file in sorted(Path(f) for f in files):
        digest.update(f"{file.parent.name}/{file.name}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
