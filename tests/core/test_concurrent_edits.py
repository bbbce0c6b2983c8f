"""Twenty clients edit one organisation at once over HTTP, against a real threaded server (`kechuang
runserver`) on a database of its own — a SQLite file, or a fresh PostgreSQL database when the suite runs on
PostgreSQL. Ten save through the edit page, ten PATCH the API with If-Match; two staff accounts share them.

What must hold: no response is an error; for each field exactly one of the clients who loaded the same
state wins and every other is told ("…修改（字段），您的修改未保存" / 409); after the losers reload and
retry, no saved change was lost (a change is overwritten only by someone who loaded after it); and
replaying the record's audit events gives exactly what the database holds."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading

import pytest
from django.core import signing

from .live import LiveServer, live_server

FIELDS = ["contact_name", "contact_phone", "contact_email", "address", "established_on"]
LABELS = {
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "电子邮箱",
    "address": "地址",
    "established_on": "成立日期",
}
CLIENTS = 20

REPLAY = """
import json
from kechuang.core import audit
from kechuang.core.models import AuditEvent, Organisation
from tests.core.replay import IGNORED, replay
org = Organisation.objects.get(pk=%(pk)d)
events = [
    {"id": e.id, "username": e.username, "after": e.after}
    for e in AuditEvent.objects.filter(object_type="core.organisation", object_id=str(org.pk), action="update").order_by("id")
]
current = {k: v for k, v in audit.snapshot(org).items() if k not in IGNORED}
replayed = {k: v for k, v in replay(org).items() if k not in IGNORED}
print(json.dumps({"events": events, "current": current, "replayed": replayed}))
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("live")) as running:
        yield running


def _form_fields(html: str) -> dict[str, str]:
    form = re.search(r'<form method="post"[^>]*>(.*?)</form>', html, re.S).group(1)
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                data[name.group(1)] = "on"
            continue
        data[name.group(1)] = (value.group(1) if value else "").replace("&quot;", '"').replace("&amp;", "&")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = selected.group(1) if selected else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = body.strip()
    return data


class Client:
    """One person at a keyboard: loads the record, then saves one field."""

    def __init__(self, index: int, server: LiveServer):
        self.index = index
        self.base = server.base
        self.org = server.org
        self.account = f"live_staff_{index % 2 + 1}"
        self.via = "page" if index < CLIENTS // 2 else "api"
        self.field = FIELDS[index % len(FIELDS)]
        self.session = server.login(self.account)
        self.attempts: list[dict] = []

    def value(self, attempt: int) -> str:
        if self.field == "established_on":
            return (dt.date(2000, 1, 1) + dt.timedelta(days=self.index * 10 + attempt)).isoformat()
        if self.field == "contact_email":
            return f"c{self.index}a{attempt}@example.cn"
        if self.field == "contact_phone":
            return f"1390000{self.index:02d}{attempt:02d}"
        return f"客户端{self.index}第{attempt}次"

    def load(self) -> None:
        if self.via == "page":
            html = self.session.get(f"{self.base}/orgs/{self.org}/edit/").text
            self.form = _form_fields(html)
            self.loaded_event = signing.loads(self.form["_loaded"], salt="kechuang.edits")["e"]
        else:
            response = self.session.get(f"{self.base}/api/organisations/{self.org}")
            self.etag = response.headers["ETag"]
            self.loaded_event = int(self.etag.strip('"').split("-")[0])

    def save(self) -> str:
        attempt = len(self.attempts)
        value = self.value(attempt)
        csrf = self.session.cookies.get("csrftoken")
        if self.via == "page":
            data = {**self.form, self.field: value, "csrfmiddlewaretoken": csrf}
            response = self.session.post(
                f"{self.base}/orgs/{self.org}/edit/",
                data=data,
                headers={"Referer": f"{self.base}/orgs/{self.org}/edit/"},
                allow_redirects=False,
            )
            if response.status_code == 302:
                outcome = "saved"
            elif response.status_code == 200 and "您的修改未保存" in response.text:
                outcome = "told"
                message = re.search(r"该记录已被[^<]*您的修改未保存。", response.text)
                self.message = message.group(0) if message else ""
            else:
                outcome = f"error {response.status_code}"
        else:
            response = self.session.patch(
                f"{self.base}/api/organisations/{self.org}",
                data=json.dumps({self.field: value}),
                headers={"Content-Type": "application/json", "If-Match": self.etag, "X-CSRFToken": csrf,
                         "Referer": self.base},
            )  # fmt: skip
            if response.status_code == 200:
                outcome = "saved"
            elif response.status_code == 409:
                outcome = "told"
                self.message = response.json()["detail"]
            else:
                outcome = f"error {response.status_code}: {response.text[:200]}"
        self.attempts.append({"value": value, "outcome": outcome, "loaded_event": self.loaded_event})
        return outcome


def _all_at_once(clients: list[Client], action: str) -> None:
    barrier = threading.Barrier(len(clients))
    failures: list[BaseException] = []

    def run(client: Client) -> None:
        try:
            barrier.wait(30)
            getattr(client, action)()
        except BaseException as e:  # noqa: BLE001 (reported below)
            failures.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures


def test_twenty_clients_lose_nothing_and_every_loser_is_told(server):
    clients = [Client(i, server) for i in range(CLIENTS)]

    # Round 1: everyone loads the same state, then everyone saves at the same moment.
    _all_at_once(clients, "load")
    _all_at_once(clients, "save")
    outcomes = [c.attempts[0]["outcome"] for c in clients]
    assert all(o in ("saved", "told") for o in outcomes), outcomes
    for field in FIELDS:
        on_field = [c for c in clients if c.field == field]
        winners = [c for c in on_field if c.attempts[0]["outcome"] == "saved"]
        assert len(winners) == 1, (field, [c.attempts for c in on_field])
        for loser in on_field:
            if loser is winners[0]:
                continue
            assert f"（{LABELS[field]}" in loser.message or f"、{LABELS[field]}" in loser.message, (
                loser.message
            )
            assert re.search(r"已被live_staff_[12]于\d\d:\d\d修改", loser.message), loser.message

    # Round 2 onwards: the losers reload and try again, still all at once, until each has saved.
    for _ in range(CLIENTS):
        pending = [c for c in clients if c.attempts[-1]["outcome"] != "saved"]
        if not pending:
            break
        _all_at_once(pending, "load")
        _all_at_once(pending, "save")
        assert all(c.attempts[-1]["outcome"] in ("saved", "told") for c in pending)
    assert all(c.attempts[-1]["outcome"] == "saved" for c in clients)

    state = json.loads(server.run("shell", "-c", REPLAY % {"pk": server.org}).strip().splitlines()[-1])
    assert state["replayed"] == state["current"], "replaying the audit log gives the database's values"

    # Every save the server confirmed is in the audit log, once, with the value that client sent.
    events = state["events"]
    saves = [(c, a) for c in clients for a in c.attempts if a["outcome"] == "saved"]
    assert len(events) == len(saves)
    for client, attempt in saves:
        attname = client.field
        matching = [e for e in events if e["after"].get(attname) == attempt["value"]]
        assert len(matching) == 1 and matching[0]["username"] == client.account
        attempt["event"] = matching[0]["id"]
    # No lost update: a saved value was replaced only by a save whose client had loaded after it.
    for client, attempt in saves:
        later = [a for c, a in saves if c.field == client.field and a["event"] > attempt["event"]]
        for overwriter in later:
            assert overwriter["loaded_event"] >= attempt["event"], (client.field, attempt, overwriter)
        if not later:
            assert state["current"][client.field] == attempt["value"]
