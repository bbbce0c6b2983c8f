"""Error workbooks of refused uploads, kept for their uploader to download.

A report holds the rows of the file its user uploaded, so it is stored under MEDIA_ROOT in a folder of
that user's own (import-errors/<user id>/<random token>.xlsx, with a small .json beside it naming the
register and the file) and is only ever looked up inside the folder of the user asking. Reports are
kept for KEEP and pruned whenever a new one is saved."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

FOLDER = "import-errors"
KEEP = dt.timedelta(days=7)
TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class StoredReport:
    token: str
    register: str
    filename: str
    errors: int
    path: Path


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def _folder(user: Any) -> Path:
    return _root() / str(int(user.pk))


def save(*, user: Any, register: str, filename: str, errors: int, data: bytes) -> str:
    """Store a report for `user`; returns its token."""
    prune()
    folder = _folder(user)
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.xlsx").write_bytes(data)
    meta = {
        "register": register,
        "filename": filename,
        "errors": errors,
        "created": timezone.now().isoformat(),
    }
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def find(*, user: Any, token: str) -> StoredReport | None:
    """The user's own report with this token, or None (another user's token finds nothing)."""
    if not TOKEN.fullmatch(token or "") or getattr(user, "pk", None) is None:
        return None
    folder = _folder(user)
    path, meta_path = folder / f"{token}.xlsx", folder / f"{token}.json"
    if not path.is_file() or not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return StoredReport(token, meta["register"], meta.get("filename", ""), int(meta.get("errors", 0)), path)


def prune(now: dt.datetime | None = None) -> int:
    """Delete reports older than KEEP; returns how many files were removed."""
    root = _root()
    if not root.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - KEEP.total_seconds()
    removed = 0
    for path in root.glob("*/*"):
        if path.suffix in (".xlsx", ".json") and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
