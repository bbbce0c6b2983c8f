"""The pages: who may do what (403 and an audit event otherwise), the upload result and report."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kechuang.core.models import AuditEvent, Organisation
from tests.conftest import client_for
from tests.imports.conftest import ORG_HEADER, org_rows, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, data, register="organisations", name="企业名单.xlsx"):
    return client.post(
        reverse("imports:upload"),
        {"register": register, "file": SimpleUploadedFile(name, data, content_type=XLSX)},
    )


def test_staff_sees_all_buttons(staff_a):
    response = client_for(staff_a).get(reverse("imports:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("企业与机构", "专家与人员", "规上企业名录", "下载模板", "导入", "导出"):
        assert text in html
    assert reverse("imports:export", args=["organisations"]) in html
    assert reverse("imports:template", args=["people"]) in html


def test_staff_uploads_a_good_file(staff_a):
    client = client_for(staff_a)
    assert client.get(reverse("imports:upload") + "?register=people").status_code == 200
    response = upload(client, xlsx_bytes(ORG_HEADER, org_rows(5)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "新增 5 条，更新 0 条，未变 0 条" in html
    assert Organisation.objects.count() == 5
    assert AuditEvent.objects.get(action="import").ip == "127.0.0.1"


def test_staff_uploads_a_bad_file_and_sees_the_report(staff_a):
    rows = org_rows(5)
    rows[2][1] = rows[2][1][:17] + ("0" if rows[2][1][17] != "0" else "1")
    rows[3][6] = "明天"
    response = upload(client_for(staff_a), xlsx_bytes(ORG_HEADER, rows))
    assert response.status_code == 422
    html = response.content.decode()
    assert "文件未导入" in html
    for text in (
        "行号",
        "列",
        "值",
        "原因",
        '<td class="num">4</td>',
        '<td class="num">5</td>',
        "校验位错误",
        "成立日期",
        "明天",
    ):
        assert text in html
    assert Organisation.objects.count() == 0


def test_upload_refuses_non_xlsx_and_oversized_files(staff_a, settings):
    client = client_for(staff_a)
    response = upload(client, b"a,b\n1,2\n", name="企业.csv")
    assert response.status_code == 422 and "请上传 .xlsx 文件" in response.content.decode()
    settings.IMPORT_MAX_FILE_BYTES = 2048
    response = upload(client, xlsx_bytes(ORG_HEADER, org_rows(50)))
    assert response.status_code == 422 and "超过上限" in response.content.decode()
    assert AuditEvent.objects.filter(action="import_rejected", result=AuditEvent.Result.FAILED).count() == 2


def test_downloads_have_utf8_file_names(staff_a):
    client = client_for(staff_a)
    response = client.get(reverse("imports:export", args=["organisations"]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "filename*=utf-8''" + quote("企业与机构_") in response["Content-Disposition"]
    assert response.content[:2] == b"PK"
    response = client.get(reverse("imports:template", args=["organisations"]))
    assert quote("企业与机构_导入模板.xlsx") in response["Content-Disposition"]
    assert client.get(reverse("imports:export", args=["nothing"])).status_code == 404


def test_leader_may_export_but_not_import(leader_a):
    client = client_for(leader_a)
    html = client.get(reverse("imports:index")).content.decode()
    assert "导出" in html and reverse("imports:upload") not in html
    assert client.get(reverse("imports:export", args=["organisations"])).status_code == 200
    assert client.get(reverse("imports:upload")).status_code == 403
    assert upload(client, xlsx_bytes(ORG_HEADER, org_rows(2))).status_code == 403
    assert Organisation.objects.count() == 0
    denied = AuditEvent.objects.filter(user=leader_a, result=AuditEvent.Result.DENIED)
    assert denied.count() == 2 and set(denied.values_list("detail", flat=True)) == {"imports.upload"}


@pytest.mark.parametrize("who", ["enterprise_x", "outsider"])
def test_enterprise_and_outsider_may_do_neither(request, who):
    """Neither imports nor exports the bureau's registers. An enterprise may open the upload page, for
    the registers it keeps itself (its R&D projects and expenses), and sees only those offered."""
    user = request.getfixturevalue(who)
    client = client_for(user)
    urls = [
        reverse("imports:index"),
        reverse("imports:template", args=["organisations"]),
        reverse("imports:export", args=["organisations"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    page = client.get(reverse("imports:upload"))
    if who == "enterprise_x":
        assert page.status_code == 200
        offered = [value for value, _label in page.context["form"].fields["register"].choices]
        assert offered == ["rnd_projects", "rnd_expenses"]
    else:
        assert page.status_code == 403
    assert upload(client, xlsx_bytes(ORG_HEADER, org_rows(1))).status_code == 403
    denied = AuditEvent.objects.filter(user=user, result=AuditEvent.Result.DENIED)
    assert denied.count() == (4 if who == "enterprise_x" else 5)
    assert not AuditEvent.objects.filter(action__in=["export", "import"]).exists()
    assert (
        Organisation.objects.exclude(pk__in=[getattr(user, "pk", 0)])
        .filter(name__startswith="导入测试")
        .count()
        == 0
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("imports:index"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_upload_checks_csrf(staff_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    response = upload(client, xlsx_bytes(ORG_HEADER, org_rows(1)))
    assert response.status_code == 403
    assert Organisation.objects.count() == 0
