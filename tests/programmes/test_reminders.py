"""Reminders: the daily `kechuang remind` run, the inbox, e-mail (Django's locmem backend) and group robot
webhooks (a real HTTP server on 127.0.0.1), the county's channel page."""

import datetime as dt
import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import Notification, ReminderChannel, Status
from kechuang.programmes.reminders import notify
from tests.conftest import client_for
from tests.factories import OrganisationFactory

from .fixtures import TODAY, at, make_call

INBOX = reverse("programmes:inbox")
CHANNELS = reverse("programmes:channel_list")


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REMINDER_WEBHOOK_HOSTS = [*settings.REMINDER_WEBHOOK_HOSTS, "127.0.0.1"]  # the stand-in robot


@pytest.fixture
def webhook():
    """A group robot stand-in: records each POST (path and JSON body) and answers like 企业微信 does."""
    received = []

    class Robot(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            received.append(
                {
                    "path": self.path,
                    "type": self.headers.get("Content-Type"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            payload = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remind(day):
    out = io.StringIO()
    call_command("remind", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def channel(staff, county, kind, target):
    return services.reminder_channel_save(by=staff, data={"county": county, "kind": kind, "target": target})


def titles(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


# --- deadlines ----------------------------------------------------------------------------------------------


@pytest.fixture
def call_with_draft(staff_a, enterprise_x, org_x, hte):
    """A call whose county deadline is 2026-04-20, and org_x's unfinished application to it."""
    call = make_call(staff_a, hte)
    services.application_create(by=enterprise_x, data={"call": call, "organisation": org_x})
    return call


def test_deadline_within_a_week_reminds_each_user_once(
    staff_a, staff_b, enterprise_x, leader_a, county_a, call_with_draft, webhook
):
    channel(staff_a, county_a, "email", "kjk@kaihua.gov.cn")
    channel(staff_a, county_a, "wecom", f"{webhook.url}/cgi-bin/webhook/send?key=wecom-key")
    channel(staff_a, county_a, "dingtalk", f"{webhook.url}/robot/send?access_token=ding-token")

    assert "申报截止提醒：0 项" in remind(dt.date(2026, 4, 12))  # 8 days before: not yet
    assert Notification.objects.count() == 0 and mail.outbox == [] and webhook.received == []

    out = remind(dt.date(2026, 4, 13))  # 7 days before
    assert "申报截止提醒：1 项" in out and "邮件与群机器人发送：3 次" in out
    again = remind(dt.date(2026, 4, 14))  # the next day's run, and a second run the same day
    again += remind(dt.date(2026, 4, 14))
    assert again.count("申报截止提醒：0 项") == 2 and "邮件与群机器人发送：0 次" in again

    title = "申报截止提醒：国家高新技术企业认定 · 2026年第一批 于 2026年4月20日 截止"
    assert titles(staff_a) == [title]
    assert titles(enterprise_x) == [title]  # its application is still a draft
    assert titles(staff_b) == [] and titles(leader_a) == []
    assert Notification.objects.get(user=staff_a).link == f"/programmes/calls/{call_with_draft.pk}/"

    (email,) = mail.outbox
    assert email.to == ["kjk@kaihua.gov.cn"]
    assert email.subject == "科创平台提醒（2026年4月13日）"
    assert title in email.body

    assert sorted(r["path"] for r in webhook.received) == [
        "/cgi-bin/webhook/send?key=wecom-key",
        "/robot/send?access_token=ding-token",
    ]
    for request in webhook.received:
        assert request["type"] == "application/json; charset=utf-8"
        assert request["body"] == {
            "msgtype": "text",
            "text": {"content": f"科创平台提醒（2026年4月13日）\n{title}"},
        }


def test_a_refusing_webhook_does_not_stop_the_email(staff_a, county_a, call_with_draft):
    channel(staff_a, county_a, "wecom", f"http://127.0.0.1:{closed_port()}/cgi-bin/webhook/send?key=dead")
    channel(staff_a, county_a, "email", "kjk@kaihua.gov.cn")
    out = remind(dt.date(2026, 4, 14))
    assert "邮件与群机器人发送：1 次" in out
    assert len(mail.outbox) == 1 and "申报截止提醒" in mail.outbox[0].body


def test_inactive_channels_are_skipped(staff_a, county_a, call_with_draft):
    email = channel(staff_a, county_a, "email", "kjk@kaihua.gov.cn")
    services.reminder_channel_save(by=staff_a, channel=email, data={"is_active": False})
    remind(dt.date(2026, 4, 14))
    assert mail.outbox == []


# --- expiring qualifications -------------------------------------------------------------------------------


def qualified(staff, org, call, valid_from):
    app = services.application_create(by=staff, data={"call": call, "organisation": org})
    services.application_transition(application=app, to=Status.SUBMITTED, by=staff)
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff)
    return services.application_approve(
        by=staff, application=app, data={"decided_on": valid_from, "certificate_no": f"GR2023{org.pk:06d}"}
    )


def test_qualification_expiring_in_six_months_reminds_seven_does_not(
    staff_a, enterprise_x, org_x, county_a, hte
):
    call = make_call(staff_a, hte, year=2023)
    org_v = OrganisationFactory(name="开化县己机械有限公司", region=county_a)
    soon = qualified(staff_a, org_x, call, dt.date(2023, 9, 2))  # valid until 2026-09-01: within 6 months
    later = qualified(staff_a, org_v, call, dt.date(2023, 10, 11))  # valid until 2026-10-10: 7 months away
    assert (soon.valid_until, later.valid_until) == (dt.date(2026, 9, 1), dt.date(2026, 10, 10))

    out = remind(TODAY)  # 2026-03-10; the window ends 2026-09-10
    assert "资质到期提醒：1 项" in out
    expected = "资质到期提醒：开化县甲科技有限公司 的国家高新技术企业认定 将于 2026年9月1日 到期"
    assert titles(staff_a) == [expected]
    assert titles(enterprise_x) == [expected]
    assert not Notification.objects.filter(title__contains="开化县己机械有限公司").exists()

    # A month later the second one enters the window; the first is not repeated.
    out = remind(dt.date(2026, 4, 10))
    assert "资质到期提醒：1 项" in out
    assert sorted(titles(staff_a)) == sorted(
        [expected, "资质到期提醒：开化县己机械有限公司 的国家高新技术企业认定 将于 2026年10月10日 到期"]
    )


# --- returned applications and the inbox -------------------------------------------------------------------


def test_returned_application_reaches_the_enterprise_inbox(staff_a, enterprise_x, org_x, hte):
    call = make_call(staff_a, hte)
    app = services.application_create(by=enterprise_x, data={"call": call, "organisation": org_x})
    services.application_transition(application=app, to=Status.SUBMITTED, by=enterprise_x, today=TODAY)
    services.application_transition(
        application=app, to=Status.RETURNED, by=staff_a, comment="请补充近三年研发费用专项审计报告。"
    )

    client = client_for(enterprise_x)
    page = client.get(INBOX).content.decode()
    assert "申报被退回修改：开化县甲科技有限公司 · 国家高新技术企业认定" in page
    assert "请补充近三年研发费用专项审计报告。" in page
    assert "1 条未读" in page

    (notification,) = Notification.objects.filter(user=enterprise_x)
    response = client.post(reverse("programmes:inbox_read", args=[notification.pk]))
    assert response.status_code == 302
    assert response.url == f"/programmes/applications/{app.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "条未读" not in client.get(INBOX).content.decode()
    assert titles(staff_a) == []


def test_inbox_lists_unread_first_and_is_ones_own(staff_a, staff_b):
    first, second, third = (
        notify([staff_a], key=f"k{i}", title=f"提醒{i}", link="/programmes/notices/")[0] for i in range(3)
    )
    services.notification_read(user=staff_a, notification=third)
    client = client_for(staff_a)
    shown = [n.title for n in client.get(INBOX).context["page"]]
    assert shown == ["提醒1", "提醒0", "提醒2"]  # unread newest first, then the read one

    # Someone else's reminder is not there to open, and stays unread.
    assert client_for(staff_b).post(reverse("programmes:inbox_read", args=[first.pk])).status_code == 404
    first.refresh_from_db()
    assert first.read_at is None
    assert client.get(reverse("programmes:inbox_read", args=[first.pk])).status_code == 405

    client.post(INBOX, {"action": "read_all"})
    assert not Notification.objects.filter(user=staff_a, read_at__isnull=True).exists()


def test_inbox_never_redirects_off_site(staff_a):
    (notification,) = notify([staff_a], key="evil", title="外链", link="https://evil.example/phish")
    response = client_for(staff_a).post(reverse("programmes:inbox_read", args=[notification.pk]))
    assert response.url == INBOX


# --- the command --------------------------------------------------------------------------------------------


def test_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="日期格式应为 YYYY-MM-DD"):
        call_command("remind", "--date", "2026/05/06")


def test_command_reports_expired_vouchers(staff_a, org_x):
    with at(dt.date(2025, 3, 1)):  # issued that day (the services' clock)
        services.voucher_issue(
            by=staff_a,
            data={"number": "KH2025-0001", "organisation": org_x, "amount": 50000, "issued_on": dt.date(2025, 3, 1),
                  "expires_on": dt.date(2025, 12, 31)},
        )  # fmt: skip
    assert "过期创新券：1 张" in remind(dt.date(2026, 1, 5))


# --- reminder channels --------------------------------------------------------------------------------------


def test_staff_manage_their_countys_channels(staff_a, staff_b, county_a):
    client = client_for(staff_a)
    response = client.post(
        CHANNELS,
        {"action": "save", "county": "330824", "kind": "wecom", "is_active": "on",
         "target": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"},
    )  # fmt: skip
    assert response.status_code == 302
    robot = ReminderChannel.objects.get()
    page = client.get(CHANNELS).content.decode()
    assert "企业微信群机器人" in page
    assert "https://qyapi.weixin.qq.com/cgi-bin/webhook/send …5aaa" in page  # the key is not shown
    assert "693a91f6" not in page

    # A wrong address is refused with a message; nothing changes.
    response = client.post(
        CHANNELS, {"action": "save", "county": "330824", "kind": "email", "target": "kjk@"}
    )
    assert "请填写有效的电子邮箱地址" in response.content.decode()
    response = client.post(
        CHANNELS, {"action": "save", "county": "330824", "kind": "dingtalk", "target": "file:///etc/passwd"}
    )
    assert "请填写群机器人的 Webhook 地址" in response.content.decode()
    assert ReminderChannel.objects.count() == 1

    # Edit, then delete; every write is audited.
    client.post(CHANNELS, {"action": "save", "pk": robot.pk, "kind": "wecom", "target": robot.target})
    robot.refresh_from_db()
    assert robot.is_active is False
    client.post(CHANNELS, {"action": "delete", "pk": robot.pk})
    assert not ReminderChannel.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="programmes.reminderchannel")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_channels_are_the_countys_own(staff_a, staff_b, leader_a, enterprise_x, county_a):
    robot = channel(staff_a, county_a, "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc123")
    other = client_for(staff_b)
    assert "oapi.dingtalk.com" not in other.get(CHANNELS).content.decode()
    assert other.get(CHANNELS, {"edit": robot.pk}).status_code == 404
    assert other.post(CHANNELS, {"action": "delete", "pk": robot.pk}).status_code == 404
    assert ReminderChannel.objects.filter(pk=robot.pk).exists()
    assert client_for(leader_a).get(CHANNELS).status_code == 403
    assert client_for(enterprise_x).get(CHANNELS).status_code == 403
    with pytest.raises(PermissionDenied):
        services.reminder_channel_delete(by=staff_b, channel=robot)
    with pytest.raises(PermissionDenied):
        services.reminder_channel_save(
            by=staff_b, data={"county": county_a, "kind": "email", "target": "a@b.cn"}
        )
    with pytest.raises(ValidationError):
        services.reminder_channel_save(by=staff_a, channel=robot, data={"county": staff_b.roles.get().region})
