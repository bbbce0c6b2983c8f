"""等保 2.0 baseline: lockout, session lifetimes, password rules and expiry, deploy checks."""

import datetime as dt
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kechuang.core import services
from kechuang.core.models import AuditEvent, FailureWindow
from tests.conftest import PASSWORD, client_for

ROOT = Path(__file__).resolve().parents[2]


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def failures_counted(ip, kind="login"):
    return sum(FailureWindow.objects.filter(kind=kind, ip=ip).values_list("failures", flat=True))


@pytest.mark.django_db
def test_five_failures_lock_the_account_for_that_ip(client, staff_a, settings):
    for _ in range(4):
        assert login(client, "staff_a", "wrong-Passw0rd").status_code == 200
    locked = login(client, "staff_a", "wrong-Passw0rd")
    assert locked.status_code == 429
    assert "已临时锁定" in locked.content.decode()
    # Even the right password is refused while locked.
    assert login(client, "staff_a", PASSWORD).status_code == 429
    # Six failures (the sixth refused by the lock): counted per IP and minute, the first of each minute
    # an audit event of its own.
    assert failures_counted("127.0.0.1") == 6
    assert AuditEvent.objects.filter(action="login_failed", username="staff_a").exists()
    assert AuditEvent.objects.filter(action="lockout", username="staff_a").exists()
    # Another IP is not locked out (the lock is keyed on username + IP).
    other = client.__class__(REMOTE_ADDR="10.0.0.9")
    assert login(other, "staff_a", PASSWORD).status_code == 302
    assert settings.AXES_COOLOFF_TIME == 0.25  # 15 minutes


@pytest.mark.django_db
def test_success_resets_the_failure_count(client, staff_a):
    for _ in range(4):
        login(client, "staff_a", "wrong-Passw0rd")
    assert login(client, "staff_a", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert login(client, "staff_a", "wrong-Passw0rd").status_code == 200


@pytest.mark.django_db
def test_login_and_logout_are_audited(client, staff_a):
    login(client, "staff_a", PASSWORD)
    client.post(reverse("logout"))
    actions = list(AuditEvent.objects.filter(username="staff_a").values_list("action", flat=True))
    assert "login" in actions and "logout" in actions
    assert AuditEvent.objects.filter(action="login").first().ip == "127.0.0.1"


@pytest.mark.django_db
def test_idle_session_expires_after_30_minutes(client, staff_a, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    login(client, "staff_a", PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    session = Session.objects.get()
    # Each request pushes expiry 30 minutes ahead of now.
    assert abs((session.expire_date - timezone.now()).total_seconds() - 1800) < 60
    # Thirty idle minutes later the session is gone.
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_session_ends_after_12_hours_however_active(client, staff_a, settings):
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    login(client, "staff_a", PASSWORD)
    client.get(reverse("home"))
    session = client.session
    session["_kechuang_session_started"] = time.time() - 12 * 3600 - 5
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Kaihua2026", True),
        ("kh-tea-2026", True),
        ("short1A", False),
        ("password123", False),
        ("abcdefghij", False),
        ("12345678901", False),
        ("abcd12345678", False),
    ],
)
def test_password_rules(reference, password, ok):
    if ok:
        services.user_create(by=None, username="pw_user", password=password)
    else:
        with pytest.raises(ValidationError):
            services.user_create(by=None, username="pw_user", password=password)


@pytest.mark.django_db
def test_expired_password_must_be_changed(client, staff_a, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    staff_a.password_changed_at = timezone.now() - dt.timedelta(days=91)
    staff_a.save()
    client.force_login(staff_a)
    response = client.get(reverse("organisation_list"))
    assert response.status_code == 302 and response.url == reverse("password_change")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Kaihua-new-2026", "new_password2": "Kaihua-new-2026"},
    )
    assert response.status_code == 302
    assert client.get(reverse("organisation_list")).status_code == 200
    assert AuditEvent.objects.filter(action="password_change", username="staff_a").exists()


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2_in_the_real_settings():
    from django.conf import settings as real

    # The test run swaps in a fast hasher; the configured one (read from the settings module) is argon2.
    import kechuang.settings as module

    assert module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert real.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 8


def test_deploy_checks_are_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "KECHUANG_ENV": "production",
        "KECHUANG_SECRET_KEY": secrets.token_urlsafe(50),
        "KECHUANG_ALLOWED_HOSTS": "kechuang.example.gov.cn",
        "KECHUANG_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KECHUANG_SECRET_KEY"}
    env.update({"KECHUANG_ENV": "production", "KECHUANG_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "KECHUANG_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_lockout_behind_a_proxy_is_keyed_on_the_client_not_the_proxy(staff_a, settings):
    from django.test import Client

    settings.AXES_IPWARE_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(5):
        login(attacker, "staff_a", "wrong-Passw0rd")
    assert login(attacker, "staff_a", PASSWORD).status_code == 429
    # The real user, coming through the same proxy from another address, still gets in.
    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert login(colleague, "staff_a", PASSWORD).status_code == 302
    assert failures_counted("203.0.113.9") == 6
    assert AuditEvent.objects.filter(action="login_failed", ip="203.0.113.9").exists()
    assert failures_counted("10.0.0.1") == 0


# --- per-IP throttling (kechuang/core/throttle.py) --------------------------------------------------------


@pytest.mark.django_db
def test_failed_logins_are_limited_per_ip_across_random_usernames(staff_a, auditor_user, settings):
    import uuid

    from django.db.models import F
    from django.test import Client

    settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT = 7
    attacker = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(7):  # the 7th failure is still answered as a failure
        assert login(attacker, f"nobody-{uuid.uuid4().hex[:8]}", "wrong-Passw0rd").status_code == 200
    # The 8th attempt is refused, even with a real account's right password.
    refused = login(attacker, "staff_a", PASSWORD)
    assert refused.status_code == 429 and "IP" in refused.content.decode()
    assert failures_counted("198.51.100.20") == 7
    # Another client is not affected.
    assert login(Client(REMOTE_ADDR="198.51.100.21"), "staff_a", PASSWORD).status_code == 302

    # One audit event per IP and minute, not one per failure; one lockout event per minute refused.
    windows = FailureWindow.objects.filter(kind="login", ip="198.51.100.20")
    assert AuditEvent.objects.filter(action="login_failed", ip="198.51.100.20").count() == windows.count()
    assert (
        AuditEvent.objects.filter(action="lockout", ip="198.51.100.20").count()
        == windows.filter(refused__gt=0).count()
    )

    # Once the minute is over, the auditor's page writes and shows one summary with the count.
    windows.update(minute=F("minute") - dt.timedelta(minutes=1))
    page = client_for(auditor_user).get(reverse("audit_list")).content.decode()
    summaries = AuditEvent.objects.filter(action="login_failed_minute", ip="198.51.100.20")
    singles = [w for w in windows if w.failures + w.refused == 1]
    assert sum(e.after["count"] for e in summaries) + sum(w.failures for w in singles) == 7
    assert sum(e.after["refused"] for e in summaries) + sum(w.refused for w in singles) == 1
    assert all(e.detail in page for e in summaries) and summaries.exists()
    # Summaries are written once.
    client_for(auditor_user).get(reverse("audit_list"))
    assert AuditEvent.objects.filter(action="login_failed_minute").count() == summaries.count()


@pytest.mark.django_db
def test_bad_api_tokens_are_limited_per_ip(staff_a, settings):
    from django.test import Client

    settings.KECHUANG_TOKEN_IP_FAILURE_LIMIT = 4
    _token, plain = services.api_token_create(user=staff_a, name="脚本")
    for i in range(4):
        bad = Client(REMOTE_ADDR="198.51.100.30", headers={"authorization": f"Bearer kc_wrong{i}"})
        assert bad.get("/api/organisations").status_code == 401
    good = Client(REMOTE_ADDR="198.51.100.30", headers={"authorization": f"Bearer {plain}"})
    response = good.get("/api/organisations")
    assert response.status_code == 429 and "令牌" in response.json()["detail"]
    assert failures_counted("198.51.100.30", kind="token") == 4
    windows = FailureWindow.objects.filter(kind="token", ip="198.51.100.30").count()
    tokens = AuditEvent.objects.filter(action="login_failed", object_type="core.apitoken", ip="198.51.100.30")
    assert tokens.count() == windows
    elsewhere = Client(REMOTE_ADDR="198.51.100.31", headers={"authorization": f"Bearer {plain}"})
    assert elsewhere.get("/api/organisations").status_code == 200


# --- Content-Security-Policy ----------------------------------------------------------------------------


def test_no_template_has_inline_script_or_event_handler_attributes():
    import re

    bad = []
    for path in sorted((ROOT / "kechuang").glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                bad.append(f"{path.relative_to(ROOT)}: {tag}")
        bad += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
        bad += [f"{path.relative_to(ROOT)}: javascript:" for _ in re.findall(r"javascript:", text)]
    assert bad == []


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client, staff_a):
    for response in (client.get(reverse("login")), client_for(staff_a).get(reverse("home"))):
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
