"""Importing the people register: natural key county + name + phone, tags, identity flags."""

import pytest

from kechuang.core.models import AuditEvent, Person, SpecialtyTag
from kechuang.imports import services
from kechuang.imports.report import ImportRejected
from tests.factories import PersonFactory
from tests.imports.conftest import xlsx_bytes

HEADER = [
    "姓名",
    "手机",
    "性别",
    "所属县",
    "工作单位",
    "职称",
    "职务",
    "专业特长",
    "专业标签",
    "专家",
    "科技特派员",
    "人才",
    "联系人",
    "电子邮箱",
]


def person_rows(n, county="330824"):
    return [
        [
            f"专家{i:04d}",
            13900000000.0 + i,
            "男" if i % 2 else "女",
            county,
            "浙江农林大学",
            "教授",
            "",
            "茶叶栽培",
            "茶叶、植物保护",
            "是",
            "否",
            "否",
            "否",
            f"p{i}@example.edu.cn",
        ]
        for i in range(n)
    ]


def run(rows, by, header=HEADER):
    return services.import_file(
        register="people", file=xlsx_bytes(header, rows, sheet="专家与人员"), by=by, filename="专家.xlsx"
    )


def test_people_import_with_tags_and_flags(staff_a, county_a, org_x, django_assert_max_num_queries):
    rows = person_rows(300)
    rows[0][4] = org_x.name  # a registered organisation: linked
    rows[1][9], rows[1][10] = "否", "是"
    with django_assert_max_num_queries(60):
        result = run(rows, staff_a)
    assert result.created == 300
    first = Person.objects.get(name="专家0000")
    assert first.organisation == org_x and first.organisation_name == ""
    assert first.phone == "13900000000" and first.county == county_a and first.gender == "female"
    assert sorted(t.name for t in first.tags.all()) == ["植物保护", "茶叶"]
    second = Person.objects.get(name="专家0001")
    assert second.organisation is None and second.organisation_name == "浙江农林大学"
    assert (second.is_expert, second.is_commissioner) == (False, True)
    assert SpecialtyTag.objects.count() == 2
    event = AuditEvent.objects.get(action="create", object_id=str(first.pk), object_type="core.person")
    assert event.after["tags"] == ["植物保护", "茶叶"]


def test_reimport_matches_county_name_and_phone(staff_a):
    rows = person_rows(5)
    run(rows, staff_a)
    rows[2][1] = "139 0000 0002"  # the same phone, typed differently
    rows[2][8] = "茶叶、土壤肥料"
    rows[3][5] = "研究员"
    result = run(rows, staff_a)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 3)
    assert Person.objects.count() == 5
    person = Person.objects.get(name="专家0002")
    assert sorted(t.name for t in person.tags.all()) == ["土壤肥料", "茶叶"]
    event = AuditEvent.objects.get(action="update", object_id=str(person.pk))
    assert event.before["tags"] == ["植物保护", "茶叶"] and event.after["tags"] == ["土壤肥料", "茶叶"]
    assert event.after["phone"] == "139 0000 0002"


def test_person_needs_an_identity_and_a_county_of_the_importer(staff_a):
    rows = person_rows(3)
    rows[0][9] = "否"  # no identity at all
    rows[1][3] = "常山县"  # county B
    rows[2][3] = "华埠镇"  # a township, not a county
    rows[2][8] = "很长" * 20
    with pytest.raises(ImportRejected) as info:
        run(rows, staff_a)
    found = {(e.row, e.column): e.reason for e in info.value.errors}
    assert "至少选择一种身份" in found[(2, "身份")]
    assert "不在您管辖的县" in found[(3, "所属县")]
    assert "县（市、区）" in found[(4, "所属县")]
    assert "超过 30 个字" in found[(4, "专业标签")]
    assert Person.objects.count() == 0


def test_duplicate_people_in_the_system_are_not_guessed(staff_a, county_a):
    PersonFactory(name="专家0000", phone="13900000000", county=county_a)
    PersonFactory(name="专家0000", phone="139-0000-0000", county=county_a)
    with pytest.raises(ImportRejected) as info:
        run(person_rows(1), staff_a)
    assert "无法确定更新哪一条" in info.value.errors[0].reason


def test_a_way_to_reach_people_is_required_not_a_mobile(staff_a):
    """Row 3 has an e-mail and no mobile: imported. Row 4 has neither (nor a landline): refused on 手机
    with a message naming the three ways."""
    rows = person_rows(3)
    rows[1][1] = None
    rows[2][1] = None
    rows[2][-1] = None
    with pytest.raises(ImportRejected) as info:
        run(rows, staff_a)
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "手机")]
    assert "手机、固定电话或电子邮箱" in info.value.errors[0].reason
    run(rows[:2], staff_a)
    assert Person.objects.get(name="专家0001").email == "p1@example.edu.cn"
