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

import orjson

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


def json_line(record: Mapping[str, Any]) -> str:
    """A record as one line of JSON (no newline), UTF-8 text unescaped (see `json_bytes`)."""
    return json_bytes(record)[:-1].decode("utf-8")


def json_bytes(record: Mapping[str, Any]) -> bytes:
    """A record as one line of JSON in UTF-8, newline included: what a JSONL file holds, made without a
    round trip through str. orjson is three times faster than the json module, which classify output felt;
    what orjson refuses (integers past 64 bits, lone surrogates from a broken file) goes through the json
    module, a lone surrogate written as its escape ("\\udcff")."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except (orjson.JSONEncodeError, TypeError):
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")


def _utf8_bytes_of(stream: IO[str]) -> IO[bytes] | None:
    """The binary stream under a UTF-8 text stream, flushed, to write encoded lines to directly; None
    when there is none or it takes another encoding (a console's), when lines go through the text layer."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    buffer = getattr(stream, "buffer", None)
    if encoding != "utf8" or buffer is None:
        return None
    stream.flush()
    return buffer  # type: ignore[no-any-return]


class RecordWriter:
    """Writes classify records one by one in the chosen format; `close()` finishes a table."""

    def __init__(self, stream: IO[str], fmt: str = "jsonl", raw_csv: bool = False) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.stream, self.format, self.raw_csv = stream, fmt, raw_csv
        self._bytes = _utf8_bytes_of(stream) if fmt == "jsonl" else None
        self._csv: csv.DictWriter[str] | None = None
        self._rows: list[list[str]] = []

    def write(self, record: Mapping[str, Any]) -> None:
        if self.format == "jsonl":
            self.write_line(json_bytes(record))
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

    def write_line(self, line: bytes) -> None:
        """Write a JSONL record already serialised by `json_bytes` (as `batch.scored_records(as_json=True)`
        gives it)."""
        if self._bytes is not None:
            self._bytes.write(line)
        else:
            self.stream.write(line.decode("utf-8"))

    def write_lines(self, lines: list[bytes]) -> None:
        """`write_line` for many lines at once."""
        self.write_line(b"".join(lines))

    def close(self) -> None:
        if self.format == "table":
            self._flush_table()
        elif self._bytes is not None:
            self._bytes.flush()

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


def score_rows(report: Any) -> list[dict[str, Any]]:
    """A ScoreReport as flat rows, each with its `section`: overall, group, driver, trend, customer."""
    from dataclasses import asdict

    rows: list[dict[str, Any]] = []
    for section, items in (("overall", [report.overall]), ("group", report.groups)):
        for g in items:
            row = {k: v for k, v in asdict(g).items() if k not in ("dimensions", "sentiment")}
            row.update({f"{sentiment}_pct": share for sentiment, share in g.sentiment.items()})
            for dimension, shares in g.dimensions.items():
                row[f"{dimension}_share"] = shares["share"]
                row[f"{dimension}_negative"] = shares["negative"]
            rows.append({"section": section, **row})
    rows += [{"section": "driver", **asdict(d)} for d in report.drivers]
    rows += [{"section": "trend", **asdict(p)} for p in report.trend]
    rows += [{"section": "customer", **asdict(c), "reasons": "; ".join(c.reasons)} for c in report.customers]
    return rows


def write_score(stream: IO[str], report: Any, fmt: str, raw_csv: bool = False) -> None:
    """`feedback score` output: JSONL lines or CSV rows with a `section` column, or readable tables."""
    rows = score_rows(report)
    if fmt == "jsonl":
        for row in rows:
            stream.write(json_line(row) + "\n")
    elif fmt == "csv":
        columns: list[str] = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        cell = str if raw_csv else safe_cell
        for row in rows:
            writer.writerow({k: cell(v) for k, v in row.items()})
    else:
        stream.write(_score_tables(report))


def _aligned(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells) + "\n"


def _score_tables(report: Any) -> str:
    o = report.overall
    parts = [f"{o.n} texts  satisfaction {o.satisfaction} (95 % CI {o.ci_low}-{o.ci_high})  "
             f"net sentiment {o.net_sentiment:+}  mean risk {o.risk_mean}  high risk {o.high_risk}\n"]
    group_headers = ["group", "n", "satisfaction", "95% CI", "net sent.", "mean risk", "high risk", "top dimensions"]

    def group_rows(groups: Sequence[Any]) -> list[list[Any]]:
        return [[g.group, g.n, g.satisfaction, f"{g.ci_low}-{g.ci_high}", f"{g.net_sentiment:+}", g.risk_mean, g.high_risk,
                 ", ".join(f"{d} {s['share']:.0f}% ({s['negative']:.0f}% neg)" for d, s in
                           sorted(g.dimensions.items(), key=lambda x: -x[1]["share"])[:3])] for g in groups]

    if report.groups:
        parts += ["\nGroups\n", _aligned(group_headers, group_rows(report.groups))]
    parts += ["\nBy dimension\n", _aligned(group_headers[:7], [r[:7] for r in group_rows(report.by_dimension)])]
    if report.drivers:
        parts += ["\nKey drivers (points gained if negative mentions were neutral)\n",
                  _aligned(["dimension", "impact", "negative mentions"],
                           [[d.dimension, f"{d.impact:+.2f}", d.negative_mentions] for d in report.drivers])]
    if report.trend:
        parts += ["\nTrend\n", _aligned(["period", "n", "satisfaction", "change", "mean risk", "change"],
                                        [[p.period, p.n, p.satisfaction, "" if p.satisfaction_change is None else f"{p.satisfaction_change:+}",
                                          p.risk_mean, "" if p.risk_change is None else f"{p.risk_change:+}"] for p in report.trend])]
    if report.customers:
        shown = [c for c in report.customers if c.risk_level == "high"] or report.customers[:10]
        parts += ["\nCustomers at risk (highest first)\n",
                  _aligned(["customer", "texts", "risk", "level", "last", "reasons"],
                           [[c.customer, c.n, c.loyalty_risk, c.risk_level, c.last_date or "", "; ".join(c.reasons)] for c in shown])]
    return "".join(parts)
