"""Busy is not a crash, and the API always answers JSON.

A SQLite database held by another writer past the busy timeout answers 503 "系统繁忙，请稍后重试，您提交的
内容未保存" on the page and as JSON on the API, and nothing is saved — tried against a real server with a
real second writer. Every API error, whatever its cause (404 of an unknown address, 413, 500), is JSON."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from django.db import connection

from kechuang.core import selectors
from tests.conftest import client_for

from .live import live_server

BUSY = "系统繁忙，请稍后重试，您提交的内容未保存。"


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's busy timeout (PostgreSQL waits on row locks)"
)
def test_a_database_busy_past_its_timeout_is_a_503_and_saves_nothing(tmp_path):
    with live_server(tmp_path, KECHUANG_SQLITE_BUSY_SECONDS=1) as server:
        session = server.login("live_staff_1")
        edit = f"{server.base}/orgs/{server.org}/edit/"
        html = session.get(edit).text
        data = dict(
            re.findall(r'<input type="(?:text|hidden|email|date)" name="([^"]+)" value="([^"]*)"', html)
        )
        data.update(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
        for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
            selected = re.search(r'<option value="([^"]*)"[^>]*selected', body)
            data[name] = selected.group(1) if selected else ""
        data["contact_name"] = "繁忙时的修改"
        csrf = session.cookies.get("csrftoken")

        # Another writer (an import, say) holds the write lock longer than the server will wait.
        holder = sqlite3.connect(server.database.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE core_organisation SET address = address WHERE id = ?", (server.org,))
        try:
            page = session.post(edit, data={**data, "csrfmiddlewaretoken": csrf}, headers={"Referer": edit})
            api = session.patch(
                f"{server.base}/api/organisations/{server.org}",
                data=json.dumps({"contact_phone": "13900000001"}),
                headers={"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": server.base},
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        assert page.status_code == 503
        assert BUSY in page.text and "<html" in page.text
        assert api.status_code == 503
        assert api.headers["Content-Type"].startswith("application/json")
        assert api.json() == {"detail": BUSY}
        assert api.headers["Retry-After"]

        # Nothing half-written: once the other writer is gone the record is as it was, and saving works.
        after = session.get(f"{server.base}/api/organisations/{server.org}").json()
        assert after["contact_name"] == "原联系人" and after["contact_phone"] == ""
        again = session.post(edit, data={**data, "csrfmiddlewaretoken": csrf}, headers={"Referer": edit})
        assert again.status_code == 200 and "已保存" in again.text


def test_unknown_api_address_is_json_404(staff_a):
    response = client_for(staff_a).get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_an_api_body_over_the_limit_is_json_413(staff_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(staff_a).post(
        "/api/organisations", data=json.dumps({"name": "x" * 5000}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json")
    assert "过大" in response.json()["detail"]


def test_an_unexpected_api_failure_is_json_500_and_a_page_failure_is_the_500_page(staff_a, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "organisation_list", broken)  # a programming error, not a data problem
    client = client_for(staff_a)
    client.raise_request_exception = False
    api = client.get("/api/organisations")
    assert api.status_code == 500
    assert api.headers["Content-Type"].startswith("application/json")
    assert "没有写入任何数据" in api.json()["detail"]
    page = client.get("/orgs/")
    assert page.status_code == 500 and "系统出错了" in page.content.decode()


def test_a_busy_database_inside_a_view_is_the_503_page(staff_a, monkeypatch):
    """The handler looks at the cause: an OperationalError that says the database is locked is 503."""
    from django.db import OperationalError

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(selectors, "organisation_list", locked)
    client = client_for(staff_a)
    client.raise_request_exception = False
    assert client.get("/orgs/").status_code == 503
    api = client.get("/api/organisations")
    assert api.status_code == 503 and api.json() == {"detail": BUSY}
