"""Backing up and restoring the whole database, on SQLite and on PostgreSQL.

- SQLite: the online backup API (`sqlite3.Connection.backup`) both ways, so a consistent copy is taken
  while the site runs, and a restore goes through SQLite's own locking into the live database file
  (other connections see the restored data on their next transaction).
- PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner
  --single-transaction`, connection parameters passed as PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE.

A restore first checks that the file is a backup of a Kechuang database of a version this program
knows (refusing anything else with a message that says what is wrong, before touching anything), then
saves the current database next to the other installation data (VAR_DIR/backups/before-restore-…),
then restores. Both operations write an audit event; after a restore it is written into the restored
database, so the restored history says who restored it, when and from what.

The audit log is append-only, and a restore does not make it forget: the events recorded since the
backup was taken (ids above the backup's last one) are read before the restore and appended to the
restored log again, with their original ids and times (`_events_since`, `_carry_forward`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connections

from . import audit
from .models import AuditEvent

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# Tables whose presence makes a database a Kechuang database.
REQUIRED_TABLES = ("django_migrations", "core_region", "core_organisation", "core_user", "core_auditevent")


class BackupError(Exception):
    """A backup or restore that could not be done; the message (Chinese) says why."""


@dataclass
class BackupResult:
    path: Path
    engine: str
    size: int
    sha256: str
    seconds: float


@dataclass
class RestoreResult:
    path: Path
    engine: str
    sha256: str
    safety_copy: Path | None
    seconds: float
    missing_migrations: list[str] = field(default_factory=list)


def engine() -> str:
    """ "sqlite" or "postgresql" for the default database."""
    vendor = connections["default"].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持备份 {vendor} 数据库，只支持 SQLite 和 PostgreSQL。")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _database_label() -> str:
    db = settings.DATABASES["default"]
    return f"{engine()}:{db.get('NAME')}"[:200]


def _record(action: str, *, result: str = AuditEvent.Result.OK, detail: str = "") -> None:
    """Write the audit event; a database that cannot take it (not migrated) must not hide the outcome."""
    with contextlib.suppress(Exception):  # best effort: the message to the operator matters more
        audit.record(
            action,
            object_type="database",
            object_id=str(settings.DATABASES["default"].get("NAME", ""))[:64],
            object_repr=_database_label(),
            result=result,
            detail=detail,
        )


def _safety_path(suffix: str) -> Path:
    folder = Path(settings.VAR_DIR) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"before-restore-{stamp}{suffix}"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"before-restore-{stamp}-{n}{suffix}"
    return path


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _check_migrations(applied: set[tuple[str, str]]) -> list[str]:
    """Refuse a backup from a newer program; return the migrations the backup still lacks."""
    known = _known_migrations()
    unknown = sorted(applied - known)
    if unknown:
        names = "、".join(f"{a}.{n}" for a, n in unknown[:5])
        raise BackupError(
            f"备份中有本程序不认识的数据库迁移（{names}…），它可能来自更新版本的科创。请先升级程序再恢复。"
        )
    return [f"{a}.{n}" for a, n in sorted(known - applied)]


def _file_kind(path: Path) -> str:
    if not path.exists():
        raise BackupError(f"文件“{path}”不存在。")
    if not path.is_file():
        raise BackupError(f"“{path}”不是文件。")
    with open(path, "rb") as f:
        head = f.read(16)
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return ""


# --- backup -------------------------------------------------------------------------------------------


def backup(path: str | os.PathLike[str], *, overwrite: bool = False) -> BackupResult:
    """Write a consistent copy of the whole database to `path` (written to a temporary file first)."""
    started = time.perf_counter()
    target = Path(path).expanduser().absolute()
    kind = engine()
    try:
        if target.exists() and not overwrite:
            raise BackupError(f"文件“{target}”已存在；如要覆盖，请加 --overwrite。")
        if not target.parent.is_dir():
            raise BackupError(f"目录“{target.parent}”不存在。")
        (_sqlite_backup if kind == "sqlite" else _pg_backup)(target)
    except BackupError as exc:
        _record("backup", result=AuditEvent.Result.FAILED, detail=f"备份到 {target} 失败：{exc}")
        raise
    size, digest = target.stat().st_size, _sha256(target)
    _record("backup", detail=f"备份到 {target}（{size} 字节，SHA-256 {digest}）")
    return BackupResult(target, kind, size, digest, time.perf_counter() - started)


def _sqlite_backup(target: Path) -> None:
    connection = connections["default"]
    connection.ensure_connection()
    source: sqlite3.Connection = connection.connection
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
            # A backup is one self-contained file: no -wal/-shm companions.
            dest.execute("PRAGMA journal_mode=DELETE")
            check = dest.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dest.close()
        if check != "ok":
            raise BackupError(f"备份文件校验失败：{check}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 备份失败：{exc}") from exc
    finally:
        partial.unlink(missing_ok=True)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（如 apt install postgresql-client），版本不低于数据库服务器。"
        )
    return found


def pg_env() -> dict[str, str]:
    """The environment for pg_dump/pg_restore: connection parameters from settings.DATABASES."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(args: list[str], *, env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()
        raise BackupError(f"{what}失败（{Path(args[0]).name} 退出码 {done.returncode}）：{message}")
    return done


def _pg_backup(target: Path) -> None:
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"],
            env=pg_env(),
            what="pg_dump 备份",
        )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


# --- restore ------------------------------------------------------------------------------------------


def check_backup(path: str | os.PathLike[str]) -> list[str]:
    """Check that `path` is a Kechuang backup the current database can take; raise BackupError saying
    what is wrong. Returns the migrations the backup lacks (run migrate after restoring)."""
    source = Path(path).expanduser().absolute()
    kind, current = _file_kind(source), engine()
    files = {"sqlite": "SQLite 数据库文件", "postgresql": "PostgreSQL 备份（pg_dump）"}
    engines = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    if not kind:
        raise BackupError(
            f"“{source}”不是科创的数据库备份（既不是 SQLite 数据库，也不是 pg_dump 备份），未做任何修改。"
        )
    if kind != current:
        raise BackupError(
            f"“{source}”是{files[kind]}，当前数据库是 {engines[current]}，不能直接恢复，未做任何修改。"
        )
    applied = _sqlite_inspect(source) if kind == "sqlite" else _pg_inspect(source)
    return _check_migrations(applied)


class Cancelled(BackupError):
    """The operator declined the confirmation; nothing was changed."""


def restore(
    path: str | os.PathLike[str], *, safety_copy: bool = True, confirm: Callable[[], bool] | None = None
) -> RestoreResult:
    """Replace the whole database with the backup at `path` (see the module docstring). `confirm`,
    when given, is asked after the file has been checked and before anything changes."""
    started = time.perf_counter()
    source = Path(path).expanduser().absolute()
    try:
        missing = check_backup(source)
    except BackupError as exc:
        _record("restore", result=AuditEvent.Result.FAILED, detail=f"从 {source} 恢复被拒绝：{exc}")
        raise
    if confirm is not None and not confirm():
        raise Cancelled("已取消，未做任何修改。")
    digest = _sha256(source)
    kind = engine()
    carried = _events_since(_backup_last_event_id(source, kind))
    saved: Path | None = None
    if safety_copy:
        saved = _safety_path(".sqlite3" if kind == "sqlite" else ".dump")
        try:
            (_sqlite_backup if kind == "sqlite" else _pg_backup)(saved)
        except BackupError as exc:
            raise BackupError(f"恢复前备份当前数据库失败，未做任何修改：{exc}") from exc
    try:
        (_sqlite_restore if kind == "sqlite" else _pg_restore)(source)
    except BackupError as exc:
        kept = f"恢复前的数据库已保存在 {saved}。" if saved else ""
        _record(
            "restore", result=AuditEvent.Result.FAILED, detail=f"从 {source} 恢复失败：{exc} {kept}".strip()
        )
        raise BackupError(f"{exc} {kept}".strip()) from exc
    _carry_forward(carried)
    detail = f"从 {source} 恢复（SHA-256 {digest}）"
    if carried:
        detail += f"；备份之后记录的审计日志 {len(carried)} 条已追加到恢复后的日志"
    if saved:
        detail += f"；恢复前的数据库已保存在 {saved}"
    if missing:
        detail += f"；备份缺少迁移 {len(missing)} 个，需运行 migrate"
    _record("restore", detail=detail)
    return RestoreResult(source, kind, digest, saved, time.perf_counter() - started, missing)


def _backup_last_event_id(source: Path, kind: str) -> int:
    """The highest audit event id in the backup (0 when it has none)."""
    if kind == "sqlite":
        conn = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT coalesce(max(id), 0) FROM core_auditevent").fetchone()[0])
        finally:
            conn.close()
    # pg_dump's data of the table, streamed: the first column of each COPY row is the id.
    args = [_tool("pg_restore"), "--data-only", "--table=core_auditevent", "--file=-", str(source)]
    highest, in_copy = 0, False
    with subprocess.Popen(args, env=pg_env(), stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("COPY ") and "core_auditevent" in line:
                in_copy = True
            elif in_copy and line.startswith("\\."):
                in_copy = False
            elif in_copy:
                head = line.split("\t", 1)[0]
                if head.isdigit():
                    highest = max(highest, int(head))
    if proc.returncode != 0:
        raise BackupError("读取备份中的审计日志失败，未做任何修改。")
    return highest


def _events_since(last_id: int) -> list[AuditEvent]:
    """The live database's audit events recorded after the backup (to keep them through the restore)."""
    return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


def _carry_forward(events: list[AuditEvent]) -> None:
    """Append the events to the restored log (an INSERT, which the append-only triggers allow), keeping
    their ids, and move the id sequence past them."""
    from django.core.management.color import no_style

    connections.close_all()
    if not events:
        return
    present = set(AuditEvent.objects.filter(id__in=[e.pk for e in events]).values_list("id", flat=True))
    AuditEvent.objects.bulk_create([e for e in events if e.pk not in present], batch_size=500)
    connection = connections["default"]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [AuditEvent]):
            cursor.execute(sql)


def _sqlite_inspect(source: Path) -> set[tuple[str, str]]:
    try:
        conn = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开 SQLite 文件“{source}”：{exc}") from exc
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"SQLite 文件“{source}”已损坏（{check}），未做任何修改。")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        lacking = [t for t in REQUIRED_TABLES if t not in tables]
        if lacking:
            raise BackupError(
                f"“{source}”是 SQLite 数据库，但不是科创数据库（缺少数据表 {'、'.join(lacking)}），未做任何修改。"
            )
        return {(app, name) for app, name in conn.execute("SELECT app, name FROM django_migrations")}
    except sqlite3.Error as exc:
        raise BackupError(f"无法读取 SQLite 文件“{source}”：{exc}。未做任何修改。") from exc
    finally:
        conn.close()


def _sqlite_live_path() -> Path:
    name = str(settings.DATABASES["default"]["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("当前数据库是内存数据库，不能恢复到它。")
    return Path(name).absolute()


def _sqlite_restore(source: Path) -> None:
    live = _sqlite_live_path()
    if live.exists() and live.samefile(source):
        raise BackupError("备份文件就是当前数据库文件本身，未做任何修改。")
    connections.close_all()
    try:
        src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(live, timeout=30)
            try:
                src.backup(dest)
            finally:
                dest.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 恢复失败：{exc}") from exc


def _pg_toc(source: Path) -> str:
    return _run(
        [_tool("pg_restore"), "--list", str(source)], env=pg_env(), what="读取 pg_dump 备份目录"
    ).stdout


def _pg_inspect(source: Path) -> set[tuple[str, str]]:
    try:
        toc = _pg_toc(source)
    except BackupError as exc:
        raise BackupError(f"“{source}”不是可读的 pg_dump 备份：{exc}") from exc
    tables = set()
    for line in toc.splitlines():
        parts = line.split()
        if "TABLE" in parts and "DATA" not in parts:
            i = parts.index("TABLE")
            if len(parts) > i + 2:
                tables.add(parts[i + 2])
    lacking = [t for t in REQUIRED_TABLES if t not in tables]
    if lacking:
        raise BackupError(
            f"“{source}”是 pg_dump 备份，但不是科创数据库（缺少数据表 {'、'.join(lacking)}），未做任何修改。"
        )
    data = _run(
        [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(source)],
        env=pg_env(),
        what="读取备份中的迁移记录",
    ).stdout
    applied: set[tuple[str, str]] = set()
    in_copy = False
    for line in data.splitlines():
        if line.startswith("COPY ") and "django_migrations" in line:
            in_copy = True
        elif in_copy and line == "\\.":
            in_copy = False
        elif in_copy:
            cols = line.split("\t")
            if len(cols) >= 3:
                applied.add((cols[1], cols[2]))
    return applied


def _pg_restore(source: Path) -> None:
    connections.close_all()
    env = pg_env()
    # Wait at most a minute for locks held by a running site instead of hanging.
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c lock_timeout=60s").strip()
    database = str(settings.DATABASES["default"]["NAME"])
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={database}",
            str(source),
        ],
        env=env,
        what="pg_restore 恢复",
    )


def describe(result: Any) -> str:
    """One line for the operator."""
    if isinstance(result, BackupResult):
        return f"已备份到 {result.path}（{result.size / 1024 / 1024:.1f} MB，用时 {result.seconds:.1f} 秒）。"
    text = f"已从 {result.path} 恢复（用时 {result.seconds:.1f} 秒）。"
    if result.safety_copy:
        text += f"恢复前的数据库已保存在 {result.safety_copy}。"
    return text
