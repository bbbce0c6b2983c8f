"""A target or a published (official) figure that a frozen summary rests on cannot be changed afterwards, by
the service or the pages: the targets of a year whose full-year summary is frozen, and any record a frozen
summary quoted as evidence. Revising the summary (修订) opens the way for the new version; the frozen one keeps
what it said."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kechuang.reports import summary as s
from kechuang.reports.figures import Period
from kechuang.rnd import services
from kechuang.rnd.models import OfficialFigure, Target
from tests.conftest import client_for

D = Decimal
SOURCE = "《2024年浙江省科技进步统计监测报告》"


@pytest.fixture
def frozen_2025(staff_a, county_a):
    """County A's 2025 target and its 2024 published intensity, quoted by the frozen 2025 summary."""
    target = services.target_save(
        by=staff_a, data={"county": county_a, "year": 2025, "indicator": "rd_intensity", "value": D("2.6")}
    )
    official = services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2024, "indicator": "rd_intensity", "value": D("0.26"),
              "province_rank": 40, "province_count": 89, "city_rank": 1, "city_count": 6, "source": SOURCE},
    )  # fmt: skip
    summary = s.summary_create(by=staff_a, county=county_a, period=Period.year_of(2025))
    s.summary_freeze(by=staff_a, summary=summary)
    summary.refresh_from_db()
    # the summary quotes both: they are its evidence
    evidence = {e["evidence"]["model"]: e["evidence"]["ids"] for e in summary.snapshot.values()}
    assert (
        str(target.pk) in evidence["rnd.target"]
        and str(official.pk) in summary.snapshot["rnd.official_rd"]["evidence"]["ids"]
    )
    return {"summary": summary, "target": target, "official": official}


def test_the_service_refuses_to_change_delete_or_add_what_the_frozen_year_rests_on(
    staff_a, county_a, frozen_2025
):
    target, official = frozen_2025["target"], frozen_2025["official"]
    with pytest.raises(ValidationError, match="已定稿.*请先在该总结上“修订”"):
        services.target_save(by=staff_a, data={"value": D("2.0")}, instance=target)
    with pytest.raises(ValidationError, match="已定稿"):
        services.target_save(by=staff_a, data={"year": 2026}, instance=target)  # moved out of the year
    with pytest.raises(ValidationError, match="已定稿"):
        services.target_save(
            by=staff_a,
            data={"county": county_a, "year": 2025, "indicator": "rd_expenditure", "value": D("1e7")},
        )
    with pytest.raises(ValidationError, match="已定稿"):
        services.record_delete(by=staff_a, obj=target)
    with pytest.raises(ValidationError, match="该公布数据"):
        services.official_figure_save(by=staff_a, data={"value": D("0.30")}, instance=official)
    with pytest.raises(ValidationError, match="已定稿"):
        services.record_delete(by=staff_a, obj=official)
    assert Target.objects.get().value == D("2.6") and OfficialFigure.objects.get().value == D("0.26")
    # a figure published later for the year itself is new information, not a change: it may be added
    services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2025, "indicator": "rd_intensity", "value": D("0.27"), "source": "省统计局"},
    )  # fmt: skip
    # and a target of another year is not fixed by this summary
    services.target_save(
        by=staff_a, data={"county": county_a, "year": 2026, "indicator": "rd_intensity", "value": D("2.8")}
    )


def test_another_countys_staff_are_refused_before_anything_is_said_about_the_summary(staff_b, frozen_2025):
    with pytest.raises(PermissionDenied):
        services.target_save(by=staff_b, data={"value": D("1")}, instance=frozen_2025["target"])
    with pytest.raises(PermissionDenied):
        services.record_delete(by=staff_b, obj=frozen_2025["official"])


def test_the_pages_refuse_the_same_edits_and_deletions(staff_a, frozen_2025):
    client = client_for(staff_a)
    target, official = frozen_2025["target"], frozen_2025["official"]
    page = client.post(
        reverse("rnd:target_edit", args=[target.pk]),
        {"year": 2025, "indicator": "rd_intensity", "value": "2.0", "note": "下调"},
    )
    assert page.status_code == 200 and "已定稿" in page.content.decode()
    new = client.post(
        reverse("rnd:target_edit"),
        {"county": "330824", "year": 2025, "indicator": "rd_expenditure", "value": "900"},
    )
    assert new.status_code == 200 and "已定稿" in new.content.decode()
    edit = client.post(
        reverse("rnd:official_edit", args=[official.pk]),
        {"year": 2024, "indicator": "rd_intensity", "value": "0.30", "source": SOURCE},
    )
    assert edit.status_code == 200 and "已定稿" in edit.content.decode()
    for name, record in (("rnd:target_delete", target), ("rnd:official_delete", official)):
        response = client.post(reverse(name, args=[record.pk]), follow=True)
        assert response.status_code == 200 and "已定稿" in response.content.decode()
    assert list(Target.objects.values_list("indicator", "value")) == [("rd_intensity", D("2.6"))]
    assert OfficialFigure.objects.get().value == D("0.26")


def test_revising_the_summary_lets_the_target_be_corrected_for_the_new_version_only(staff_a, frozen_2025):
    v1, target = frozen_2025["summary"], frozen_2025["target"]
    said = v1.snapshot["rnd.target_attainment"]["text"]
    v2 = s.summary_revise(by=staff_a, summary=v1, reason="目标值录入有误")
    services.target_save(by=staff_a, data={"value": D("2.2")}, instance=target)
    s.summary_freeze(by=staff_a, summary=v2)
    v1.refresh_from_db()
    assert v1.snapshot["rnd.target_attainment"]["text"] == said and "2.60%" in said
    assert "2.20%" in v2.snapshot["rnd.target_attainment"]["text"]
    with pytest.raises(ValidationError, match="第2版"):  # fixed again, now by version 2
        services.target_save(by=staff_a, data={"value": D("2.4")}, instance=target)
