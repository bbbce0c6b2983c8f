"""An uploaded workbook's structure, and its data sheet bounded while it streams.

python-calamine reads a sheet into one dense grid (first to last used cell, about 32 bytes a cell)
before Python sees a row, and can't stop early: a 1,048,575-row sheet cost 600 MB, and two cells at A1
and XFD20000 asked for 10 GB. So before calamine opens the file, the sheet's XML is streamed out of the
zip archive here, a chunk at a time, and refused as soon as a cell lies below the row limit or right of
the column limit. The sheet's <dimension> element is not trusted (it can lie or be absent).

- The fast pass searches each decompressed chunk with two C-level regular expressions: one finds a cell
  reference beyond the limits, the other a cell not written the way Excel, WPS, LibreOffice, openpyxl and
  XlsxWriter write them (`<c r="B7"`). Neither builds anything per cell, so a normal sheet costs little
  more than its decompression.
- The exact pass parses the XML (lxml iterparse, elements cleared as it goes), places cells the way
  calamine does (a cell without `r` follows the one before it) and counts only cells with a value. It
  reads the first rows for the header check, and confirms (or clears) what the fast pass suspected.

The workbook part (xl/workbook.xml) gives the sheets in order with their visibility, so a hidden sheet is
never the one imported."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = "/worksheet"
SHARED_STRINGS_TYPE = "/sharedStrings"
CHUNK = 4 * 1024 * 1024  # decompressed bytes searched at a time
MAX_TAG = 1024 * 1024  # a start tag longer than this is not a spreadsheet


class SheetTooLarge(Exception):
    """A cell with data below the row limit (`kind` "rows") or right of the column limit ("columns")."""

    def __init__(self, kind: str, row: int, column: int) -> None:
        super().__init__(kind, row, column)
        self.kind, self.row, self.column = kind, row, column


class SheetUnreadable(Exception):
    """The workbook's XML is not what a spreadsheet application writes."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    path: str  # the sheet's part inside the zip archive
    worksheet: bool = True  # False for chart and dialog sheets

    @property
    def visible(self) -> bool:
        return self.state not in ("hidden", "veryHidden")


@dataclass
class Workbook:
    sheets: list[SheetInfo]
    shared_strings: str = ""  # the shared-strings part, if any


def _parser_options() -> dict[str, Any]:
    # No DTD, no entity expansion, no network, libxml2's own size limits kept (huge_tree off).
    return {"resolve_entities": False, "load_dtd": False, "no_network": True, "huge_tree": False}


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _part(target: str) -> str:
    """A workbook relationship's target → the archive member, resolved the way calamine resolves it
    (the member scanned must be the very one calamine will read, so a target with "." or ".." parts
    or a backslash, which readers resolve differently, is refused)."""
    if "\\" in target or any(part in (".", "..") for part in target.split("/")):
        raise SheetUnreadable("relationship target")
    if target.startswith("/"):
        return target[1:]
    if target.startswith("xl/"):
        return target
    return "xl/" + target


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id → (type, member) of a part's relationships (xl/_rels/workbook.xml.rels for the workbook)."""
    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    found: dict[str, tuple[str, str]] = {}
    if rels not in archive.namelist():
        return found
    with archive.open(rels) as handle:
        for _event, element in etree.iterparse(handle, events=("end",), **_parser_options()):
            if _local(element.tag) == "Relationship":
                rel_id = element.get("Id") or ""
                if rel_id in found:  # which one would calamine take? Neither is scanned.
                    raise SheetUnreadable("duplicate relationship")
                found[rel_id] = (element.get("Type") or "", _part(element.get("Target") or ""))
    return found


def read_workbook(archive: zipfile.ZipFile) -> Workbook:
    """The sheets in workbook order, with their visibility and their parts."""
    names = set(archive.namelist())
    workbook_part = "xl/workbook.xml"  # where calamine reads it, whatever _rels/.rels says
    try:
        rels = _relationships(archive, workbook_part)
        sheets: list[SheetInfo] = []
        with archive.open(workbook_part) as handle:
            for _event, element in etree.iterparse(handle, events=("end",), **_parser_options()):
                if _local(element.tag) != "sheet":
                    continue
                kind, member = rels.get(element.get(f"{{{REL_NS}}}id") or "", ("", ""))
                sheets.append(
                    SheetInfo(
                        name=element.get("name") or "",
                        state=element.get("state") or "visible",
                        path=member,
                        worksheet=kind.endswith(WORKSHEET_TYPE) and member in names,
                    )
                )
                element.clear()
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise SheetUnreadable(type(exc).__name__) from None
    if len({s.name for s in sheets}) != len(sheets):
        raise SheetUnreadable("duplicate sheet name")
    shared = next((m for kind, m in rels.values() if kind.endswith(SHARED_STRINGS_TYPE)), "")
    return Workbook(sheets=sheets, shared_strings=shared if shared in names else "")


# --- bounds --------------------------------------------------------------------------------------


def column_index(letters: str) -> int:
    """A → 1, Z → 26, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letters(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _at_most(text: str, alphabet: str, first: str) -> str:
    """A regular expression matching the strings over `alphabet` that are at most `text` as numbers
    (or column letters) compare: shorter ones not starting with a zero, or as long and not greater.
    `first` is the alphabet of a first character (no leading zero)."""
    low, high = alphabet[0], alphabet[-1]
    options = [f"[{first[0]}-{first[-1]}][{low}-{high}]{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    for i, ch in enumerate(text):
        start = first if i == 0 else alphabet
        smaller = start[: start.index(ch)] if ch in start else ""
        if smaller:
            tail = len(text) - i - 1
            rest = f"[{low}-{high}]{{{tail}}}" if tail else ""
            options.append(re.escape(text[:i]) + f"[{smaller[0]}-{smaller[-1]}]" + rest)
    options.append(re.escape(text))
    return "(?:" + "|".join(options) + ")"


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"


def _outside(max_row: int, max_column: int) -> re.Pattern[bytes]:
    """A cell start tag that is not `<c r="REF"` with REF within the limits: beyond them, or written in
    a form the fast pass does not read (another attribute first, a tab, no reference, lower case)."""
    column = _at_most(column_letters(max_column), LETTERS, LETTERS)
    row = _at_most(str(max_row), DIGITS, DIGITS[1:])
    return re.compile(f'<c(?:[\t\r\n/>]| (?!r="{column}{row}"))'.encode())


# A cell element with a namespace prefix (<x:c ...>): rare, read by the exact pass.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """Decompressed XML cut just before a '<', so no tag is split between two chunks."""
    carry = b""
    while True:
        data = handle.read(CHUNK)
        if not data:
            if carry:
                yield carry
            return
        data = carry + data
        cut = data.rfind(b"<")
        if cut <= 0:
            carry, part = b"", data
        else:
            carry, part = data[cut:], data[:cut]
        if len(carry) > MAX_TAG:
            raise SheetUnreadable("tag too long")
        if part:
            yield part


def fast_scan(archive: zipfile.ZipFile, path: str, *, max_row: int, max_column: int) -> bool:
    """True when every cell is regular and within the limits; False when the exact pass must look."""
    outside = _outside(max_row, max_column)
    with archive.open(path) as handle:
        for part in _chunks(handle):
            found = outside.search(part)
            if found is not None:
                _conclusive(part, found.start(), max_row=max_row, max_column=max_column)
                return False
            if _PREFIXED_CELL.search(part):
                return False
    return True


_REGULAR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^<>]*?(/?)>')


def _conclusive(part: bytes, at: int, *, max_row: int, max_column: int) -> None:
    """Raise SheetTooLarge when the cell at `at` is a regular one, beyond the limits, and holds a value
    (a <v> or an inline string before its end tag): the exact pass would stop at it too."""
    cell = _REGULAR_CELL.match(part, at)
    if cell is None or cell.group(3):
        return
    end = part.find(b"</c>", cell.end())
    if end < 0:
        return
    content = part[cell.end() : end]
    if b"<v" not in content and b"<is" not in content:
        return
    column, row = column_index(cell.group(1).decode()), int(cell.group(2))
    if row > max_row:
        raise SheetTooLarge("rows", row, column)
    if column > max_column:
        raise SheetTooLarge("columns", row, column)


# --- the exact pass ------------------------------------------------------------------------------


@dataclass
class RawCell:
    column: int  # 1-based
    kind: str  # the `t` attribute
    text: str  # the value's text (an index for shared strings)


@dataclass
class ScannedRow:
    number: int  # 1-based, as Excel shows it
    cells: list[RawCell] = field(default_factory=list)


_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


def _inline_text(element: Any) -> str:
    """The text of an inline string or shared-string item: its runs, without phonetic guides."""
    parts: list[str] = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def exact_scan(
    archive: zipfile.ZipFile, path: str, *, max_row: int, max_column: int, keep_rows: int = 0
) -> tuple[list[ScannedRow], bool]:
    """Raise SheetTooLarge at the first cell with a value beyond the limits. Returns the first
    `keep_rows` rows with a value (to check the header) and whether the whole sheet was read (with
    keep_rows > 0 it stops once it has them). Cells are placed by their own reference, or after the
    cell before them, wherever they stand (inside a row or not), as calamine places them."""
    kept: list[ScannedRow] = []
    row_number = column = 0
    scanned = ScannedRow(0)
    try:
        with archive.open(path) as handle:
            events = etree.iterparse(
                handle, events=("start", "end"), tag=("{*}row", "{*}c"), **_parser_options()
            )
            for event, element in events:
                name = _local(element.tag)
                if name == "row":
                    if event == "start":
                        ref = element.get("r")
                        row_number = int(ref) if ref and ref.isdigit() else row_number + 1
                        column = 0
                        scanned = ScannedRow(row_number)
                        continue
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
                    if scanned.cells and len(kept) < keep_rows:
                        kept.append(scanned)
                        if len(kept) == keep_rows:
                            return kept, False
                    continue
                if event == "start":
                    continue
                number = row_number
                cell_ref = element.get("r")
                if cell_ref:
                    match = _CELL_REF.fullmatch(cell_ref)
                    if match is None:
                        raise SheetUnreadable("cell reference")
                    column = column_index(match.group(1).upper())
                    number = int(match.group(2))
                else:
                    column += 1
                text: str | None = None
                for child in element:
                    child_name = _local(child.tag)
                    if child_name == "v":
                        text = child.text or ""
                    elif child_name == "is":
                        text = _inline_text(child)
                kind = element.get("t") or "n"
                parent = element.getparent()
                element.clear()
                if parent is not None and _local(parent.tag) != "row":
                    while element.getprevious() is not None:
                        del parent[0]
                if text is None:
                    continue  # formatting only: calamine skips it too
                if number > max_row:
                    raise SheetTooLarge("rows", number, column)
                if column > max_column:
                    raise SheetTooLarge("columns", number, column)
                if keep_rows and len(kept) < keep_rows:
                    scanned.cells.append(RawCell(column, kind, text))
    except etree.XMLSyntaxError as exc:
        raise SheetUnreadable(str(exc)[:100]) from None
    return kept, True


def shared_strings(archive: zipfile.ZipFile, path: str, wanted: set[int]) -> dict[int, str]:
    """Only the shared strings at the `wanted` indices, read until the last of them."""
    found: dict[int, str] = {}
    if not path or not wanted:
        return found
    last = max(wanted)
    index = -1
    try:
        with archive.open(path) as handle:
            for _event, item in etree.iterparse(handle, events=("end",), tag="{*}si", **_parser_options()):
                index += 1
                if index in wanted:
                    found[index] = _inline_text(item)
                item.clear()
                while item.getprevious() is not None:
                    del item.getparent()[0]
                if index >= last:
                    break
    except etree.XMLSyntaxError as exc:
        raise SheetUnreadable(str(exc)[:100]) from None
    return found


def decode_rows(
    archive: zipfile.ZipFile, book: Workbook, rows: list[ScannedRow]
) -> list[tuple[int, list[Any]]]:
    """Scanned rows → (row number, values from column A) as calamine would give them, closely
    enough for the header: strings, numbers as floats, booleans."""
    wanted = {int(c.text) for r in rows for c in r.cells if c.kind == "s" and c.text.strip().isdigit()}
    strings = shared_strings(archive, book.shared_strings, wanted)
    decoded: list[tuple[int, list[Any]]] = []
    for row in rows:
        values: list[Any] = [None] * max(c.column for c in row.cells)
        for cell in row.cells:
            value: Any = cell.text
            if cell.kind == "s":
                value = strings.get(int(cell.text), "") if cell.text.strip().isdigit() else ""
            elif cell.kind == "b":
                value = cell.text.strip() == "1"
            elif cell.kind == "n":
                try:
                    value = float(cell.text)
                except ValueError:
                    value = cell.text
            values[cell.column - 1] = value
        decoded.append((row.number, values))
    return decoded
