"""The audit log is append-only in the database itself, on SQLite and on PostgreSQL.

What the database refuses, whoever asks:

- UPDATE of an audit row, always;
- DELETE of an audit row, unless the prune path is active *and* the row is older than
  `RETENTION_FLOOR_DAYS` (184) days: a row younger than that cannot be deleted through any path that
  leaves the triggers in place;
- TRUNCATE (PostgreSQL; SQLite has none).

The prune path (`audit.prune`, started only by an auditor) is different on each database:

- PostgreSQL: `kechuang_audit_prune(cutoff)`, a SECURITY DEFINER function owned by the role that ran the
  migrations (the owner). It sets the transaction-local flag `kechuang.audit_prune` that the row trigger
  checks and deletes rows older than both `cutoff` and the 184-day floor. In the two-role deployment
  (README) the application role has INSERT and SELECT on the audit table and EXECUTE on this function,
  nothing else: it can set the flag itself (any role can set a custom setting), but it holds no DELETE
  privilege, so the flag alone deletes nothing; the only way it can remove a row is the function, which
  keeps the floor. Only the owner (or a superuser) could drop the triggers, and `check --deploy`
  warns when the application runs as that owner (core.W001).
- SQLite has no roles: whoever can write the file can do anything, so there the triggers are a guard
  against every path of the application and of sqlite3's shell that does not lift them on purpose. The
  prune path is a row in the guard table `core_auditpruneguard`, inserted and deleted by `audit.prune`
  inside its own transaction (never visible committed); even with the guard row, the 184-day floor is
  in the trigger.

The test harness (pytest-django flushes the database between transactional tests) and `kechuang flush`
in demo mode lift the triggers inside the flush's own transaction and put them back before it commits
(`lifted_for_flush`); outside demo mode the flush command refuses before touching anything, and on
PostgreSQL lifting them needs the owner, which the application role is not.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

RETENTION_FLOOR_DAYS = 184
TABLE = "core_auditevent"
PRUNE_FUNCTION = "kechuang_audit_prune"
PG_PRUNE_FLAG = "kechuang.audit_prune"
SQLITE_GUARD_TABLE = "core_auditpruneguard"

# --- SQLite -------------------------------------------------------------------------------------------
# Django stores an aware datetime on SQLite as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", which compares as
# text with SQLite's own datetime('now', …) in the same format.
SQLITE_TRIGGERS = {
    "core_auditevent_no_update": f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON {TABLE}
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    "core_auditevent_no_delete": f"""CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON {TABLE}
       WHEN NOT (EXISTS (SELECT 1 FROM {SQLITE_GUARD_TABLE})
                 AND OLD.at < datetime('now', '-{RETENTION_FLOOR_DAYS} days'))
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",  # noqa: S608 (constants only)
}
SQLITE_UP = [
    f"CREATE TABLE IF NOT EXISTS {SQLITE_GUARD_TABLE} (id INTEGER PRIMARY KEY, started_at TEXT NOT NULL)",
    SQLITE_TRIGGERS["core_auditevent_no_delete"],
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    f"DROP TABLE IF EXISTS {SQLITE_GUARD_TABLE}",
]

# --- PostgreSQL ---------------------------------------------------------------------------------------
PG_TRIGGERS = ("core_auditevent_no_change", "core_auditevent_no_truncate")
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND current_setting('{PG_PRUNE_FLAG}', true) = 'on'
            AND OLD."at" < now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION USING MESSAGE = 'audit log is append-only: ' || TG_OP || ' refused';
       END; $$ LANGUAGE plpgsql""",
    # The row trigger of 0002 (UPDATE OR DELETE) now calls the function above; TRUNCATE gets its own.
    f"""CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON {TABLE}
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only()""",
    f"""CREATE OR REPLACE FUNCTION {PRUNE_FUNCTION}(cutoff timestamptz) RETURNS bigint
       LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
       DECLARE n bigint;
       BEGIN
         PERFORM set_config('{PG_PRUNE_FLAG}', 'on', true);
         DELETE FROM {TABLE} WHERE "at" < LEAST(cutoff, now() - interval '{RETENTION_FLOOR_DAYS} days');
         GET DIAGNOSTICS n = ROW_COUNT;
         PERFORM set_config('{PG_PRUNE_FLAG}', 'off', true);
         RETURN n;
       END; $$""",  # noqa: S608 (constants only)
    # Functions are executable by PUBLIC by default; the README grants it to the application role.
    f"REVOKE ALL ON FUNCTION {PRUNE_FUNCTION}(timestamptz) FROM PUBLIC",
]
PG_DOWN = [
    f"DROP FUNCTION IF EXISTS {PRUNE_FUNCTION}(timestamptz)",
    f"DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON {TABLE}",
    # Back to 0002's function: refuse UPDATE and DELETE without exception.
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql""",
]


def install(schema_editor: Any) -> None:
    """Migration forward: the DELETE/TRUNCATE triggers and the prune path."""
    for sql in PG_UP if schema_editor.connection.vendor == "postgresql" else SQLITE_UP:
        schema_editor.execute(sql)


def uninstall(schema_editor: Any) -> None:
    for sql in PG_DOWN if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN:
        schema_editor.execute(sql)


def missing_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """The append-only triggers that are not in the database (empty when all are there)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgenabled <> 'D'",
                [TABLE],
            )
            present = {row[0] for row in cursor.fetchall()}
            return [name for name in PG_TRIGGERS if name not in present]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            present = {row[0] for row in cursor.fetchall()}
            return [name for name in SQLITE_TRIGGERS if name not in present]
    return []


@contextlib.contextmanager
def lifted_for_flush(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Inside one transaction: lift the triggers, let the caller empty the tables, put them back.
    Only the flush command calls this, and only in demo mode (see the module docstring)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            present = set(SQLITE_TRIGGERS) - set(missing_triggers(connection))
            for name in present:
                cursor.execute(f"DROP TRIGGER {name}")
        yield
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            for name in present:
                cursor.execute(SQLITE_TRIGGERS[name])
