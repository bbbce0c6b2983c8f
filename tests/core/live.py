"""A real server for tests that need real concurrency: `kechuang runserver` (threaded) in a subprocess, on a
database of its own — a SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL —
migrated and seeded through the CLI. Tests talk to it over HTTP only."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
KECHUANG = str(Path(sys.executable).parent / "kechuang")
PASSWORD = "Kc-live-Passw0rd"

# Two staff accounts of 开化县 and one organisation, made through the services (the server's bootstrap path).
SEED = """
import inspect
from kechuang.core import services
from kechuang.core.models import Region, Role
county = Region.objects.get(code="330824")
params = inspect.signature(services.user_create).parameters
extra = {"must_change_password": False} if "must_change_password" in params else {}
for name in ("live_staff_1", "live_staff_2"):
    services.user_create(by=None, username=name, password=%(pw)r, full_name=name,
                         roles=[{"role": Role.STAFF, "region": county}], **extra)
org = services.organisation_create(by=None, data={"name": "开化县并发测试有限公司", "kind": "enterprise",
    "credit_code": %(code)r, "region": county, "contact_name": "原联系人"})
print(org.pk)
"""


@dataclass
class LiveServer:
    base: str
    org: int
    env: dict[str, str]
    database: str

    def run(self, *args: str) -> str:
        """A CLI command against the server's database; its standard output."""
        result = subprocess.run(
            [KECHUANG, *args], env=self.env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=300
        )
        return result.stdout

    def login(self, username: str) -> requests.Session:
        session = requests.Session()
        page = session.get(f"{self.base}/accounts/login/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = session.post(
            f"{self.base}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.base}/accounts/login/"},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:500]
        return session


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _database(tmp: Path) -> Iterator[str]:
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp / 'live.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    host, port, user = params["HOST"] or "127.0.0.1", params["PORT"] or 5432, params["USER"]
    name = f"kechuang_live_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        host=host,
        port=port,
        user=user,
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    auth = user + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{host}:{port}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def live_server(tmp: Path, **settings: Any) -> Iterator[LiveServer]:
    """Start the server (extra KECHUANG_* settings as keyword arguments) and stop it afterwards."""
    from tests.factories import credit_code_for

    with _database(tmp) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "KECHUANG_ENV": "demo",
            "KECHUANG_VAR_DIR": str(tmp / "var"),
            "KECHUANG_LOGIN_FAILURE_LIMIT": "1000",
            "PYTHONPATH": str(ROOT),
            **{k: str(v) for k, v in settings.items()},
        }
        server = LiveServer(base="", org=0, env=env, database=url)
        server.run("migrate", "--noinput", "-v", "0")
        seed = SEED % {"pw": PASSWORD, "code": credit_code_for(777001)}
        server.org = int(server.run("shell", "-c", seed).strip().splitlines()[-1])
        port = _free_port()
        process = subprocess.Popen(
            [KECHUANG, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        server.base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    requests.get(f"{server.base}/accounts/login/", timeout=2)
                    break
                except requests.ConnectionError:
                    if process.poll() is not None:
                        raise RuntimeError(f"the server stopped: {process.stderr.read()}") from None
                    time.sleep(0.5)
            yield server
        finally:
            process.terminate()
            process.wait(10)
