"""Write predictions as JSONL, CSV or a table; files are written atomically (temporary file, then rename)."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from .errors import InputError
from .labels import INTENTS, SENTIMENTS

FORMATS = ("jsonl", "csv", "table")
#: Cells starting with these are formulas to a spreadsheet (OWASP CSV injection); they get a leading quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def open_output(path: str | None, inputs: Sequence[str] = ()) -> Iterator[IO[str]]:
    """stdout, or a file written to a temporary sibling and renamed into place only when all went well.

    Refuses to write over an input; on an error or Ctrl-C the temporary file is removed and any existing
    file at `path` is left as it was.
    """
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    for source in inputs:
        if source != "-" and Path(source).exists() and target.exists() and os.path.samefile(source, target):
            raise InputError(f"{path}: is also an input; the output must go to another file.")
    if target.is_dir():
        raise InputError(f"{path}: is a directory; give a file name for the output.")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{path}: directory {directory} does not exist.")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: "=1+1" -> "'=1+1" (negative numbers are left alone)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


def flat_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """One CSV row of a classify record: the input's columns first, then the labels in flat columns."""
    flat: dict[str, Any] = {k: v for k, v in record.get("fields", {}).items() if not isinstance(v, (dict, list))}
    flat.update(
        {
            "id": record["id"] if record["id"] is not None else flat.get("id", ""),
            "lang": record["lang"] or "",
            "lang_score": record["lang_score"],
            "sentiment": record["sentiment"],
            **{f"sentiment_{s}": record["sentiment_scores"][s] for s in SENTIMENTS},
            "dimensions": ";".join(d["dimension"] for d in record["dimensions"]),
            "dimension_scores": ";".join(str(d["score"]) for d in record["dimensions"]),
            "dimension_sentiments": ";".join(d["sentiment"] for d in record["dimensions"]),
            "intent": record["intent"],
            **{f"intent_{s}": record["intent_scores"][s] for s in INTENTS},
        }
    )
    for key in ("satisfaction", "loyalty_risk", "risk_level"):
        if key in record:
            flat[key] = record[key]
    if "reasons" in record:
        flat["reasons"] = " | ".join(record["reasons"])
    if "text" not in flat:
        flat["text"] = record["text"]
    return flat


class RecordWriter:
    """Writes classify records one by one in the chosen format; `close()` finishes a table."""

    def __init__(self, stream: IO[str], fmt: str = "jsonl", raw_csv: bool = False) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.stream, self.format, self.raw_csv = stream, fmt, raw_csv
        self._csv: csv.DictWriter[str] | None = None
        self._rows: list[list[str]] = []

    def write(self, record: Mapping[str, Any]) -> None:
        if self.format == "jsonl":
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif self.format == "csv":
            flat = flat_record(record)
            if self._csv is None:
                self._csv = csv.DictWriter(self.stream, fieldnames=list(flat), extrasaction="ignore")
                self._csv.writeheader()
            cell = str if self.raw_csv else safe_cell
            self._csv.writerow({k: cell(v) for k, v in flat.items()})
        else:
            self._rows.append(_table_row(record))
            if len(self._rows) >= 1000:
                self._flush_table()

    def close(self) -> None:
        if self.format == "table":
            self._flush_table()

    def _flush_table(self) -> None:
        header = ["id", "lang", "sentiment", "dimensions", "intent", "text"]
        rows = [header] + self._rows
        widths = [max(len(r[c]) for r in rows) for c in range(len(header) - 1)]
        for row in rows if self._rows else []:
            cells = [cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]
            self.stream.write("  ".join(cells).rstrip() + "\n")
        self._rows = []


def _table_row(record: Mapping[str, Any]) -> list[str]:
    dims = ", ".join(f"{d['dimension']}{'+' if d['sentiment'] == 'positive' else '-' if d['sentiment'] == 'negative' else '~'}" for d in record["dimensions"])
    text = " ".join(record["text"].split())
    return [
        str(record["id"] or ""),
        record["lang"] or "?",
        f"{record['sentiment']} {max(record['sentiment_scores'].values()):.2f}",
        dims,
        record["intent"],
        text if len(text) <= 60 else text[:57] + "...",
    ]
