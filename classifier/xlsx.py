"""Read feedback rows from an Excel sheet (.xlsx, .xlsm), streaming, with openpyxl (imported only here)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from .errors import InputError
from .io import ID_COLUMNS, TEXT_COLUMNS, InputRecord, find_column


def xlsx_records(path: str, sheet: str | None, text_column: str | None, id_column: str | None, no_header: bool) -> Iterator[InputRecord]:
    """Rows of an Excel sheet (the first, or `sheet`), read in streaming mode by openpyxl."""
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - declared dependency
        raise InputError("reading .xlsx needs openpyxl: pip install openpyxl") from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(f"{path}: not a readable Excel workbook ({exc}).") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(f"{path}: no sheet '{sheet}'; sheets are {', '.join(book.sheetnames)}. Use --sheet.")
        rows = book[sheet or book.sheetnames[0]].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            return
        if no_header:
            header = [str(i + 1) for i in range(len(first))]
            rows = itertools.chain([first], rows)
        else:
            header = ["" if h is None else str(h).strip() for h in first]
        text_at = find_column(path, header, text_column, TEXT_COLUMNS, "--text-column")
        id_at = find_column(path, header, id_column, ID_COLUMNS, "--id-column", required=id_column is not None)
        assert text_at is not None
        for number, values in enumerate(rows, 1 if no_header else 2):
            cells = ["" if v is None else str(v) for v in values]
            if not any(cells) or len(cells) <= text_at:
                continue
            record_id = cells[id_at] if id_at is not None and id_at < len(cells) else None
            yield InputRecord(path, number, cells[text_at], record_id, dict(zip(header, cells)))
    finally:
        book.close()
