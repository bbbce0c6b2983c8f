"""What an import hands back: a result when it was written, or a rejection with every problem found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# Errors listed on the import page and by `kechuang import`; all of them are in the downloadable report.
DISPLAY_LIMIT = 200


@dataclass(frozen=True)
class RowError:
    """One problem in the file. `row` is the row number the user sees in Excel (the header is row 1);
    None for a problem with the file as a whole."""

    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        if not self.row:
            return self.reason
        column = f" 【{self.column}】" if self.column else ""
        value = f"“{self.value}”" if self.value else ""
        return _("第 %(row)d 行") % {"row": self.row} + f"{column}{value}：{self.reason}"


class ImportRejected(Exception):
    """The file was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, errors: list[RowError], message: str = "") -> None:
        self.errors = errors
        self.message = message or _("文件未导入：发现 %(n)d 处错误，未写入任何数据。") % {"n": len(errors)}
        # The sheet as read (a Table), when the refusal is about its rows: the error workbook marks them.
        self.table: Any = None
        super().__init__(self.message)

    @property
    def shown(self) -> list[RowError]:
        """The errors listed on screen and in the CLI (the first DISPLAY_LIMIT)."""
        return self.errors[:DISPLAY_LIMIT]

    @property
    def truncated(self) -> str:
        """ "共 N 处错误，仅显示前 200 处" when not every error is listed, else ""."""
        if len(self.errors) <= DISPLAY_LIMIT:
            return ""
        return _("共 %(n)s 处错误，仅显示前 %(limit)d 处。") % {
            "n": f"{len(self.errors):,}",
            "limit": DISPLAY_LIMIT,
        }

    @classmethod
    def file(cls, reason: str) -> ImportRejected:
        """A refusal of the whole file (size, type, zip structure, unreadable sheet)."""
        return cls([RowError(None, "", "", reason)], _("文件未导入：%(reason)s") % {"reason": reason})

    @property
    def file_level(self) -> bool:
        """True when the whole file was refused (no row-by-row report to show)."""
        return all(e.row is None for e in self.errors)

    @property
    def rows(self) -> list[int]:
        """The distinct bad row numbers, in order."""
        return sorted({e.row for e in self.errors if e.row is not None})


@dataclass
class ImportResult:
    register: str
    label: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_ids: list = field(default_factory=list, repr=False)
    updated_ids: list = field(default_factory=list, repr=False)

    @property
    def summary(self) -> str:
        return _("%(label)s：新增 %(c)d 条，更新 %(u)d 条，未变 %(k)d 条。") % {
            "label": self.label,
            "c": self.created,
            "u": self.updated,
            "k": self.unchanged,
        }
