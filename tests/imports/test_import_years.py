"""Importing the above-scale list (规上企业名录): credit code + year, referencing registered companies."""

import pytest

from kechuang.core.models import AuditEvent, OrganisationYear
from kechuang.imports import services
from kechuang.imports.report import ImportRejected
from tests.factories import OrganisationFactory, credit_code_for
from tests.imports.conftest import xlsx_bytes

HEADER = ["统一社会信用代码", "企业名称", "年度", "是否规上"]


def run(rows, by):
    return services.import_file(
        register="organisation_years",
        file=xlsx_bytes(HEADER, rows, sheet="规上企业名录"),
        by=by,
        filename="规上.xlsx",
    )


def test_years_import_and_update(staff_a, county_a, django_assert_max_num_queries):
    orgs = [OrganisationFactory(region=county_a) for _ in range(20)]
    rows = [[o.credit_code, o.name, 2024.0, "是"] for o in orgs] + [
        [o.credit_code, "", "2023", "否"] for o in orgs
    ]
    with django_assert_max_num_queries(40):
        result = run(rows, staff_a)
    assert result.created == 40
    assert OrganisationYear.objects.filter(year=2024, is_above_scale=True).count() == 20
    rows[0][3] = "否"
    result = run(rows, staff_a)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 39)
    item = OrganisationYear.objects.get(organisation=orgs[0], year=2024)
    assert item.is_above_scale is False
    event = AuditEvent.objects.get(action="update", object_type="core.organisationyear")
    assert event.before == {"is_above_scale": True} and event.after == {"is_above_scale": False}
    assert event.object_repr == f"{orgs[0].name} 2024"


def test_years_reject_unknown_foreign_and_bad_values(staff_a, org_x, org_y):
    rows = [
        [credit_code_for(999_999), "", 2024, "是"],  # not registered
        [org_y.credit_code, "", 2024, "是"],  # county B
        [org_x.credit_code, "", 1980, "是"],  # year out of range
        [org_x.credit_code, "", 2024, "也许"],
        [org_x.credit_code, "", 2024.5, "是"],
    ]
    with pytest.raises(ImportRejected) as info:
        run(rows, staff_a)
    found = {(e.row, e.column): e.reason for e in info.value.errors}
    assert "请先在“企业与机构”中登记" in found[(2, "统一社会信用代码")]
    assert "不在您管辖的县" in found[(3, "统一社会信用代码")]
    assert "1990" in found[(4, "年度")]
    assert "是" in found[(5, "是否规上")]
    assert "整数" in found[(6, "年度")]
    assert OrganisationYear.objects.count() == 0
