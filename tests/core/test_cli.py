"""The command line: createuser (in process), and backup/restore end to end in subprocesses against
throwaway databases: SQLite files always, PostgreSQL when KECHUANG_TEST_DATABASE_URL is set."""

import io
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command

from kechuang.core import services
from kechuang.core.models import AuditEvent, Role, RoleGrantRequest, User
from tests.conftest import PASSWORD
from tests.factories import credit_code_for

ROOT = Path(__file__).resolve().parents[2]


# --- createuser -----------------------------------------------------------------------------------------


def createuser(*args):
    out = io.StringIO()
    call_command("createuser", *args, stdout=out)
    return out.getvalue()


def test_createuser_files_a_business_role_for_a_security_administrator_to_approve(county_a, security_user):
    text = createuser(
        "kh_new", "--role", "staff", "--region", "330824", "--full-name", "新科员", "--password", PASSWORD
    )
    assert "kh_new" in text and "科技管理科" in text and "授权申请" in text and "须修改密码" in text
    user = User.objects.get(username="kh_new")
    assert user.full_name == "新科员" and user.check_password(PASSWORD) and not user.is_staff
    # The operator's word alone grants no business role: it waits for a security administrator.
    assert not user.roles.exists() and user.must_change_password
    request = RoleGrantRequest.objects.get(user=user)
    assert (request.role, request.region_id, request.requested_by) == (Role.STAFF, "330824", None)
    assert request.requested_label.startswith("命令行:")
    event = AuditEvent.objects.get(object_type="core.user", object_id=str(user.pk), action="create")
    assert event.username.startswith("命令行:")
    assert AuditEvent.objects.filter(action="role_request", object_id=str(request.pk)).exists()
    services.role_request_approve(request=request, by=security_user)
    role = user.roles.get()
    assert (role.role, role.region_id) == (Role.STAFF, "330824")
    # The actor label does not leak into later writes of the same process.
    from kechuang.core import audit

    assert audit.build("x").username == ""


def test_createuser_rejects_a_weak_password(county_a):
    with pytest.raises(CommandError, match="密码不符合要求") as exc:
        createuser("kh_weak", "--role", "staff", "--region", "330824", "--password", "password")
    assert "3 类" in str(exc.value)  # the validator's own message is shown
    assert not User.objects.filter(username="kh_weak").exists()


def test_createuser_rejects_an_unknown_region_or_a_wrong_level(county_a):
    with pytest.raises(CommandError, match="未知的区划代码“330899”"):
        createuser("kh_x", "--role", "staff", "--region", "330899", "--password", PASSWORD)
    with pytest.raises(CommandError, match="县（市、区）级"):
        createuser("kh_x", "--role", "staff", "--region", "330800", "--password", PASSWORD)
    with pytest.raises(CommandError, match="--region"):
        createuser("kh_x", "--role", "leader", "--password", PASSWORD)
    assert not User.objects.filter(username="kh_x").exists()


def test_createuser_other_errors_are_clear(county_a, org_x, expert_person_a):
    with pytest.raises(CommandError, match="未知角色"):
        createuser("u1", "--role", "boss", "--password", PASSWORD)
    bad = org_x.credit_code[:-1] + ("0" if org_x.credit_code[-1] != "0" else "1")
    with pytest.raises(CommandError, match="校验位"):
        createuser("u1", "--role", "enterprise", "--organisation", bad, "--password", PASSWORD)
    with pytest.raises(CommandError, match="未找到统一社会信用代码"):
        createuser(
            "u1", "--role", "enterprise", "--organisation", credit_code_for(999_999), "--password", PASSWORD
        )
    with pytest.raises(CommandError, match="人员档案"):
        createuser("u1", "--role", "expert", "--person", "999999", "--password", PASSWORD)
    with pytest.raises(CommandError, match="不是科技特派员"):
        createuser(
            "u1", "--role", "commissioner", "--person", str(expert_person_a.pk), "--password", PASSWORD
        )
    createuser(
        "u1", "--role", "enterprise", "--organisation", org_x.credit_code.lower(), "--password", PASSWORD
    )
    assert RoleGrantRequest.objects.get(user__username="u1").organisation == org_x
    with pytest.raises(CommandError, match="已存在"):
        createuser("u1", "--role", "auditor", "--password", PASSWORD)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SECURITY, Role.AUDITOR])
def test_createuser_bootstraps_the_three_system_roles_at_once(reference, role):
    text = createuser("root2", "--role", role, "--password", PASSWORD)
    assert str(role.label) in text
    user = User.objects.get(username="root2")
    assert user.roles.get().role == role and user.must_change_password
    assert not user.is_staff and not user.is_superuser  # no Django admin site any more
    event = AuditEvent.objects.get(object_type="core.roleassignment", action="create")
    assert event.username.startswith("命令行:") and "服务器端" in event.detail


def test_createuser_without_password_needs_a_terminal(county_a, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="不是终端"):
        createuser("kh_tty", "--role", "staff", "--region", "330824")


def test_createuser_prompts_on_a_terminal(county_a, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    createuser("kh_tty", "--role", "staff", "--region", "330824")
    assert User.objects.get(username="kh_tty").check_password(PASSWORD)


# --- backup and restore, end to end ---------------------------------------------------------------------


def manage(database_url, var_dir, *args, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PG"))}
    env.update(DATABASE_URL=database_url, KECHUANG_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite database file, made once and copied for each test."""
    folder = tmp_path_factory.mktemp("migrated")
    path = folder / "template.sqlite3"
    manage(f"sqlite:///{path}", folder / "var", "migrate", "-v0")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    return path.read_bytes()


@pytest.fixture
def sqlite_db(migrated_sqlite, tmp_path):
    path = tmp_path / "live.sqlite3"
    path.write_bytes(migrated_sqlite)
    return f"sqlite:///{path}", path


def sqlite_usernames(path):
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT username FROM core_user")}


def sqlite_last_event(path):
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT action, result, username, detail FROM core_auditevent ORDER BY id DESC LIMIT 1"
        ).fetchone()


def test_sqlite_backup_and_restore_round_trip(sqlite_db, tmp_path):
    url, live = sqlite_db
    var = tmp_path / "var"
    manage(url, var, "createuser", "before", "--role", "auditor", "--password", PASSWORD)
    backup_file = tmp_path / "backup.sqlite3"
    done = manage(url, var, "backup", str(backup_file))
    assert "已备份到" in done.stdout and backup_file.exists()
    assert sqlite_last_event(live)[:2] == ("backup", "ok")
    refused = manage(url, var, "backup", str(backup_file), check=False)
    assert refused.returncode != 0 and "--overwrite" in refused.stderr
    unconfirmed = manage(url, var, "restore", str(backup_file), check=False)  # stdin is not a terminal
    assert unconfirmed.returncode != 0 and "--noinput" in unconfirmed.stderr

    manage(url, var, "createuser", "after", "--role", "auditor", "--password", PASSWORD)
    assert {"before", "after"} <= sqlite_usernames(live)

    done = manage(url, var, "restore", str(backup_file), "--noinput")
    assert "已从" in done.stdout
    users = sqlite_usernames(live)
    assert "before" in users and "after" not in users
    action, result, username, detail = sqlite_last_event(live)
    assert (
        (action, result) == ("restore", "ok")
        and username.startswith("命令行:")
        and str(backup_file) in detail
    )
    # The database as it was before the restore is kept.
    kept = list((var / "backups").glob("before-restore-*.sqlite3"))
    assert len(kept) == 1 and "after" in sqlite_usernames(kept[0])
    # And the restored database is still a working one.
    manage(url, var, "createuser", "later", "--role", "auditor", "--password", PASSWORD)
    assert "later" in sqlite_usernames(live)


def test_restore_refuses_what_is_not_a_kechuang_backup(sqlite_db, tmp_path):
    url, live = sqlite_db
    var = tmp_path / "var"
    with sqlite3.connect(live) as conn:
        conn.execute(
            "INSERT INTO core_systemflag (key, value, updated_at) VALUES ('keeper', 'x', '2026-01-01')"
        )

    def flags():
        with sqlite3.connect(live) as conn:
            return conn.execute("SELECT key FROM core_systemflag").fetchall()

    before = flags()

    text_file = tmp_path / "notes.txt"
    text_file.write_text("这不是数据库\n", encoding="utf-8")
    other_sqlite = tmp_path / "other.sqlite3"
    with sqlite3.connect(other_sqlite) as conn:
        conn.execute("CREATE TABLE t (x)")
    pg_like = tmp_path / "fake.dump"
    pg_like.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)

    cases = [
        (text_file, "不是科创的数据库备份"),
        (other_sqlite, "不是科创数据库（缺少数据表"),
        (pg_like, "PostgreSQL 备份（pg_dump），当前数据库是 SQLite"),
        (tmp_path / "missing.sqlite3", "不存在"),
    ]
    for path, message in cases:
        done = manage(url, var, "restore", str(path), "--noinput", check=False)
        assert done.returncode != 0, path
        assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert flags() == before == [("keeper",)]
    assert not (var / "backups").exists() or not list((var / "backups").iterdir())
    action, result, _username, detail = sqlite_last_event(live)
    assert (action, result) == ("restore", "failed") and "被拒绝" in detail


def test_demo_command_end_to_end(sqlite_db, tmp_path):
    url, live = sqlite_db
    var = tmp_path / "var"
    done = manage(url, var, "demo", "--scale", "0.1")
    assert "演示数据已载入" in done.stdout and "kh_staff" in done.stdout and "Kc@demo2026" in done.stdout
    assert "demo_loaded" in {
        row[0] for row in sqlite3.connect(live).execute("SELECT key FROM core_systemflag")
    }


# --- PostgreSQL -----------------------------------------------------------------------------------------

PG_URL = os.environ.get("KECHUANG_TEST_DATABASE_URL", "")


@pytest.fixture
def pg_db():
    if not PG_URL.startswith(("postgres://", "postgresql://")):
        pytest.skip("设置 KECHUANG_TEST_DATABASE_URL=postgres://… 后才运行 PostgreSQL 备份/恢复测试")
    import psycopg

    name = f"kechuang_cli_roundtrip_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(PG_URL)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_usernames(url):
    import psycopg

    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT username FROM core_user")}


def pg_last_event(url):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT action, result, username, detail FROM core_auditevent ORDER BY id DESC LIMIT 1"
        ).fetchone()


def test_postgresql_backup_and_restore_round_trip(pg_db, tmp_path):
    var = tmp_path / "var"
    manage(pg_db, var, "migrate", "-v0")
    manage(pg_db, var, "createuser", "before", "--role", "auditor", "--password", PASSWORD)
    backup_file = tmp_path / "backup.dump"
    manage(pg_db, var, "backup", str(backup_file))
    assert backup_file.read_bytes()[:5] == b"PGDMP"
    assert pg_last_event(pg_db)[:2] == ("backup", "ok")
    manage(pg_db, var, "createuser", "after", "--role", "auditor", "--password", PASSWORD)

    manage(pg_db, var, "restore", str(backup_file), "--noinput")
    users = pg_usernames(pg_db)
    assert "before" in users and "after" not in users
    action, result, username, detail = pg_last_event(pg_db)
    assert (action, result) == ("restore", "ok") and username.startswith("命令行:")
    assert list((var / "backups").glob("before-restore-*.dump"))
    # The append-only trigger came back with the restore.
    import psycopg

    with psycopg.connect(pg_db) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("UPDATE core_auditevent SET detail = 'x'")
    manage(pg_db, var, "createuser", "later", "--role", "auditor", "--password", PASSWORD)
    assert "later" in pg_usernames(pg_db)


def test_postgresql_restore_refuses_other_files(pg_db, tmp_path):
    var = tmp_path / "var"
    manage(pg_db, var, "migrate", "-v0")
    manage(pg_db, var, "createuser", "keeper", "--role", "auditor", "--password", PASSWORD)
    sqlite_file = tmp_path / "x.sqlite3"
    with sqlite3.connect(sqlite_file) as conn:
        conn.execute("CREATE TABLE t (x)")
    text_file = tmp_path / "x.txt"
    text_file.write_text("hello", encoding="utf-8")
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(b"PGDMP" + b"\x00" * 10)
    for path, message in (
        (sqlite_file, "当前数据库是 PostgreSQL"),
        (text_file, "不是科创的数据库备份"),
        (truncated, "不是可读的 pg_dump 备份"),
    ):
        done = manage(pg_db, var, "restore", str(path), "--noinput", check=False)
        assert done.returncode != 0 and message in done.stderr, done.stderr
    assert "keeper" in pg_usernames(pg_db)
    assert pg_last_event(pg_db)[:2] == ("restore", "failed")


@pytest.mark.django_db
def test_changepassword_is_audited(staff_a, monkeypatch):
    from django.contrib.auth.management.commands import changepassword as django_changepassword

    from kechuang.core.models import AuditEvent

    answers = iter(["Kaihua-cli-2026", "Kaihua-cli-2026"])
    monkeypatch.setattr(django_changepassword.getpass, "getpass", lambda prompt="": next(answers))
    call_command("changepassword", "staff_a", stdout=io.StringIO())
    staff_a.refresh_from_db()
    assert staff_a.check_password("Kaihua-cli-2026")
    assert AuditEvent.objects.filter(action="password_reset", object_id=str(staff_a.pk)).exists()
