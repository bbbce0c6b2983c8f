"""Import, export and template for any register. Pages, the CLI and the API call these.

- `import_file` checks the permission, refuses dangerous files before parsing (guards), reads the
  sheet, validates every row and writes all of it in one transaction with one audit event per
  created or changed record plus an "import" summary event; or writes nothing, records an
  "import_rejected" event and raises ImportRejected with every problem.
- `export_queryset` writes what the user may see and records an "export" event.
- `by=None` means the command line (the actor is named by audit.set_actor_label)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, permissions
from kechuang.core.models import AuditEvent

from . import excel, guards
from .registers import Register, get_register
from .report import ImportRejected, ImportResult

# Sent inside the import's transaction once the rows are written (register, result, by): apps that keep
# derived data (the R&D indicators) refresh it there, so it commits or rolls back with the import.
imported = Signal()

__all__ = [
    "ImportRejected",
    "ImportResult",
    "error_workbook",
    "export_filename",
    "export_queryset",
    "import_file",
    "record_rejection",
    "template_bytes",
    "template_filename",
]

FileInput = str | os.PathLike | bytes | IO[bytes]


def _register(register: Register | str) -> Register:
    return get_register(register) if isinstance(register, str) else register


def _object_type(register: Register) -> str:
    return register.model._meta.label_lower


@contextlib.contextmanager
def _opened(file: FileInput) -> Iterator[tuple[IO[bytes], str]]:
    """A seekable binary handle and the file's base name, whatever we were given."""
    if isinstance(file, bytes):
        yield io.BytesIO(file), ""
    elif isinstance(file, str | os.PathLike):
        path = Path(file)
        with open(path, "rb") as handle:
            yield handle, path.name
    else:
        yield file, os.path.basename(str(getattr(file, "name", "") or ""))


def import_file(*, register: Register | str, file: FileInput, by: Any, filename: str = "") -> ImportResult:
    """Import a spreadsheet into a register, all or nothing. Raises ImportRejected (nothing written)
    or PermissionDenied (an import by a user who may not import)."""
    register = _register(register)
    if by is not None:
        permissions.require(
            register.may_import(by), by, f"import.{register.slug}", what=_object_type(register)
        )
    with _opened(file) as (handle, name):
        name = filename or name
        table = None
        try:
            guards.check_upload(handle, name=name)
            table = excel.read_table(handle, register)
            try:
                with transaction.atomic():
                    result = register.apply(table, by=by)
                    imported.send(sender=type(register), register=register, result=result, by=by)
                    audit.record(
                        "import",
                        by=by,
                        object_type=_object_type(register),
                        object_repr=register.label,
                        after={
                            "register": register.slug,
                            "file": name,
                            "rows": result.rows,
                            "created": result.created,
                            "updated": result.updated,
                            "unchanged": result.unchanged,
                        },
                        detail=f"{result.summary}（{name or _('未命名文件')}）",
                    )
            except IntegrityError:
                raise ImportRejected.file(
                    _("导入时与他人同时修改的数据发生冲突，未写入任何数据，请重新导入。")
                ) from None
        except ImportRejected as exc:
            if exc.table is None and not exc.file_level:
                exc.table = table  # for the error workbook (error_workbook below)
            record_rejection(register=register, by=by, error=exc, filename=name)
            raise
        except Exception as exc:
            # A crash rolls the whole import back; the attempt is still on record.
            audit.record(
                "import_failed",
                by=by,
                object_type=_object_type(register),
                object_repr=register.label,
                result=AuditEvent.Result.FAILED,
                after={"register": register.slug, "file": name, "error": type(exc).__name__},
                detail=f"导入中断，未写入任何数据（{name or _('未命名文件')}）",
            )
            raise
    return result


def record_rejection(
    *, register: Register | str | None, by: Any, error: ImportRejected, filename: str = ""
) -> None:
    """Write the "import_rejected" audit event (result failed) for a refused file."""
    register = _register(register) if register is not None else None
    audit.record(
        "import_rejected",
        by=by,
        object_type=_object_type(register) if register else "",
        object_repr=register.label if register else "",
        result=AuditEvent.Result.FAILED,
        after={
            "register": register.slug if register else "",
            "file": filename,
            "errors": len(error.errors),
            "bad_rows": error.rows[:100],
            "first_errors": [str(e) for e in error.errors[:20]],
        },
        detail=f"{error.message}（{filename or _('未命名文件')}）",
    )


def error_workbook(*, register: Register | str, error: ImportRejected) -> bytes | None:
    """The refused sheet with its bad cells marked and every error listed (None when the file as a
    whole was refused: there are no rows to mark)."""
    if error.table is None:
        return None
    return excel.error_workbook(_register(register), error.table, error.errors)


def export_queryset(*, register: Register | str, by: Any, filters: Any = None) -> bytes:
    """The register's records the user may see, as an .xlsx file (the import layout). With `filters`
    (the list page's query parameters) only the records that list shows."""
    register = _register(register)
    if by is not None:
        permissions.require(
            permissions.can_export(by), by, f"export.{register.slug}", what=_object_type(register)
        )
    counter = {"rows": 0}

    def rows() -> Iterable[list[Any]]:
        qs = register.queryset(by)
        listed = register.filtered(by, filters) if filters and by is not None else None
        if listed is not None:
            qs = qs.filter(pk__in=listed.values("pk"))
        for obj in qs.iterator(chunk_size=2000):
            counter["rows"] += 1
            yield register.row_values(obj, by)

    data = excel.build_workbook(register, rows())
    audit.record(
        "export",
        by=by,
        object_type=_object_type(register),
        object_repr=register.label,
        after={
            "register": register.slug,
            "rows": counter["rows"],
            **({"filters": dict(filters.items())} if filters else {}),
        },
        detail=_("导出%(label)s %(n)d 条") % {"label": register.label, "n": counter["rows"]},
    )
    return data


def template_bytes(register: Register | str) -> bytes:
    """The empty import template (headers, help, drop-down lists, 说明 sheet)."""
    return excel.build_workbook(_register(register))


def export_filename(register: Register | str) -> str:
    return f"{_register(register).label}_{timezone.localdate():%Y%m%d}.xlsx"


def template_filename(register: Register | str) -> str:
    return f"{_register(register).label}_导入模板.xlsx"
