"""Production refuses the demo, and the audit log survives the commands that would empty it. Run as
real processes against a migrated SQLite file (and, for the two-role deployment, a PostgreSQL database
of its own), with KECHUANG_ENV=production as a server would have it."""

import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "Kc@demo2026"


def run(args, env, timeout=300):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def environment(db_path, var, production):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KECHUANG_") and k != "DATABASE_URL"}
    env.update({"KECHUANG_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{db_path}"})
    if production:
        env.update(
            {
                "KECHUANG_ENV": "production",
                "KECHUANG_SECRET_KEY": secrets.token_urlsafe(50),
                "KECHUANG_ALLOWED_HOSTS": "kechuang.example.gov.cn",
            }
        )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("migrated")
    db = folder / "kechuang.sqlite3"
    result = run(["migrate", "-v", "0"], environment(db, folder, production=False), timeout=600)
    assert result.returncode == 0, result.stderr
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    return db


@pytest.fixture
def database(migrated, tmp_path):
    db = tmp_path / "kechuang.sqlite3"
    shutil.copy(migrated, db)

    def env(production=True):
        return environment(db, tmp_path, production)

    return db, env


def audit_count(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM core_auditevent").fetchone()[0]


def test_a_clean_production_database_passes_the_deploy_checks(database):
    _db, env = database
    result = run(["check", "--deploy", "--fail-level", "WARNING"], env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_demo_accounts_in_check_wsgi_and_runserver(database):
    db, env = database
    made = run(
        ["createuser", "kh_staff", "--role", "staff", "--region", "330824", "--password", DEMO_PASSWORD],
        env(production=False),
    )
    assert made.returncode == 0, made.stderr
    check = run(["check", "--deploy"], env())
    assert check.returncode != 0 and "core.E001" in check.stderr and "kh_staff" in check.stderr
    wsgi = subprocess.run(
        [sys.executable, "-c", "import kechuang.wsgi"],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wsgi.returncode != 0 and "core.E001" in wsgi.stderr
    server = run(["runserver", "--noreload", "127.0.0.1:0"], env(), timeout=120)
    assert server.returncode != 0 and "core.E001" in server.stderr
    # Outside production the same database serves (the demo is what demo mode is for).
    assert run(["check", "--deploy"], env(production=False)).returncode == 0

    # Once the password is changed, production starts.
    changed = run(
        ["shell", "-c", "from kechuang.core.models import User; u = User.objects.get(username='kh_staff'); "
         "u.set_password('Kaihua-Real-2026x'); u.save()"],
        env(production=False),
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert run(["check", "--deploy", "--fail-level", "WARNING"], env()).returncode == 0


def test_production_refuses_any_account_with_the_demo_password_and_a_demo_database(database):
    db, env = database
    made = run(
        ["createuser", "li_si", "--role", "staff", "--region", "330824", "--password", DEMO_PASSWORD],
        env(production=False),
    )
    assert made.returncode == 0, made.stderr
    check = run(["check", "--deploy"], env())
    assert check.returncode != 0 and "core.E001" in check.stderr and "li_si" in check.stderr
    # In production the demo password is never accepted, and the demo is never loaded.
    refused = run(
        ["createuser", "wang_wu", "--role", "staff", "--region", "330824", "--password", DEMO_PASSWORD], env()
    )
    assert refused.returncode != 0 and "演示密码" in refused.stderr + refused.stdout
    demo = run(["demo", "--scale", "0.1"], env())
    assert demo.returncode != 0 and "生产环境" in demo.stderr
    with sqlite3.connect(db) as conn:  # a database the demo was built in is refused whatever its passwords
        conn.execute(
            "INSERT INTO core_systemflag (key, value, updated_at) VALUES ('demo_loaded', 'x', '2026-01-01')"
        )
    conn.close()
    check = run(["check", "--deploy"], env())
    assert "载入过演示数据" in check.stderr


def test_commands_that_would_empty_the_log_refuse_in_production(database):
    db, env = database
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO core_auditevent (at, username, action, object_type, object_id, object_repr, result, "
            "detail) VALUES ('2026-01-01 00:00:00', 'staff', 'create', '', '', '', 'ok', '')"
        )
    conn.close()
    before = audit_count(db)
    assert before > 0
    for args in (
        ["flush", "--noinput"],
        ["sqlflush"],
        ["migrate", "core", "zero", "--noinput"],
        ["migrate", "core", "0003", "--noinput"],
    ):
        result = run(args, env())
        assert result.returncode != 0, (args, result.stdout)
        assert "生产环境" in result.stderr, (args, result.stderr)
    assert audit_count(db) == before
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()
    assert "core_auditevent" in tables and "programmes_application" in tables


# --- PostgreSQL: the README's two roles -------------------------------------------------------------


def readme_sql(name):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"```sql\n *-- {name}\n(.*?)```", text, re.S)
    assert block, f"README has no ```sql block starting with -- {name}"
    return "\n".join(line.strip() for line in block[1].splitlines())


OWNER, APP, DATABASE = "kechuang_test_owner", "kechuang_test_app", "agent_b_tworole"


def as_test_names(sql):
    return (
        sql.replace("kechuang_owner", OWNER)
        .replace("kechuang_app", APP)
        .replace("DATABASE kechuang", f"DATABASE {DATABASE}")
        .replace("\\c kechuang", "")
    )


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="PostgreSQL only"
)
def test_two_role_deployment_on_postgresql(tmp_path):
    import psycopg

    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", str(db.get("PORT") or 5432)
    admin_dsn = f"host={host} port={port} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        admin_dsn += f" password={db['PASSWORD']}"

    def connect(user, dbname=DATABASE):
        return psycopg.connect(
            f"host={host} port={port} user={user} dbname={dbname} password=test", autocommit=True
        )

    def cleanup():
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            for role in (APP, OWNER):
                admin.execute(f"DROP ROLE IF EXISTS {role}")

    cleanup()
    try:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            for statement in as_test_names(readme_sql("roles")).split(";"):
                if statement.strip():
                    admin.execute(statement.replace("'…'", "'test'"))
        url = f"postgres://{OWNER}:test@{host}:{port}/{DATABASE}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KECHUANG_")}
        env.update({"DATABASE_URL": url, "KECHUANG_VAR_DIR": str(tmp_path)})
        migrated = run(["migrate", "-v", "0"], env, timeout=900)
        assert migrated.returncode == 0, migrated.stderr
        with connect(OWNER) as owner:
            owner.execute(as_test_names(readme_sql("grants")))
        # The application role: INSERT and SELECT on the log; nothing else, not even with the prune flag.
        with connect(APP) as app:
            app.execute(
                "INSERT INTO core_auditevent (at, username, action, object_type, object_id, object_repr, "
                "result, detail) VALUES (now() - interval '400 days', 'old', 'test', '', '', '', 'ok', ''), "
                "(now(), 'new', 'test', '', '', '', 'ok', '')"
            )
            for sql in (
                "UPDATE core_auditevent SET detail = 'x'",
                "DELETE FROM core_auditevent",
                "TRUNCATE core_auditevent",
                "ALTER TABLE core_auditevent DISABLE TRIGGER USER",
                "DROP TRIGGER core_auditevent_no_change ON core_auditevent",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    app.execute(sql)
            with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():
                app.execute("SELECT set_config('kechuang.audit_prune', 'on', true)")
                app.execute("DELETE FROM core_auditevent WHERE username = 'old'")
            # Its one way to remove rows is the prune function, which keeps 184 days whatever it is asked.
            deleted = app.execute("SELECT kechuang_audit_prune(now() + interval '1 day')").fetchone()[0]
            assert deleted == 1
            names = {r[0] for r in app.execute("SELECT username FROM core_auditevent WHERE action = 'test'")}
            assert names == {"new"}
            # The rest of the application works as usual.
            app.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) VALUES ('k', 'x', now())"
            )
            app.execute("DELETE FROM django_session WHERE session_key = 'k'")
        # Even the owner is refused by the triggers (it could drop them, which check --deploy warns about).
        with connect(OWNER) as owner:
            for sql in (
                "UPDATE core_auditevent SET detail = 'x'",
                "DELETE FROM core_auditevent",
                "TRUNCATE core_auditevent",
            ):
                with pytest.raises(psycopg.errors.RaiseException):
                    owner.execute(sql)

        # check --deploy: quiet for the application role, core.W001 for the owner.
        prod = {**env, "KECHUANG_ENV": "production", "KECHUANG_SECRET_KEY": secrets.token_urlsafe(50),
                "KECHUANG_ALLOWED_HOSTS": "kechuang.example.gov.cn"}  # fmt: skip
        as_owner = run(["check", "--deploy"], prod)
        assert "core.W001" in as_owner.stderr + as_owner.stdout and OWNER in as_owner.stderr + as_owner.stdout
        as_app = run(
            ["check", "--deploy", "--fail-level", "WARNING"],
            {**prod, "DATABASE_URL": url.replace(OWNER, APP)},
        )
        assert as_app.returncode == 0, as_app.stdout + as_app.stderr
    finally:
        cleanup()


def test_a_restore_keeps_the_audit_events_recorded_since_the_backup(database, tmp_path):
    db, env = database
    password = "Kc-test-Passw0rd"
    assert run(["createuser", "before", "--role", "auditor", "--password", password], env()).returncode == 0
    backup_file = tmp_path / "backup.sqlite3"
    assert run(["backup", str(backup_file)], env()).returncode == 0
    assert run(["createuser", "after", "--role", "auditor", "--password", password], env()).returncode == 0
    with sqlite3.connect(db) as conn:
        since = conn.execute(
            "SELECT id, action, object_repr FROM core_auditevent WHERE object_repr LIKE '%after%' ORDER BY id"
        ).fetchall()
    conn.close()
    assert since  # the account "after" and its role were audited after the backup

    done = run(["restore", str(backup_file), "--noinput"], env())
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        users = {r[0] for r in conn.execute("SELECT username FROM core_user")}
        kept = conn.execute(
            "SELECT id, action, object_repr FROM core_auditevent WHERE object_repr LIKE '%after%' ORDER BY id"
        ).fetchall()
        last = conn.execute("SELECT action, detail FROM core_auditevent ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    assert "before" in users and "after" not in users  # the data is the backup's
    assert kept == since  # the log still says what happened after it, with the same ids
    assert last[0] == "restore" and "已追加到恢复后的日志" in last[1]
