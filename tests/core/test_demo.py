"""The demo county generator: realistic, valid, audited, idempotent and deterministic.

The full-size demo is built once (test_full_demo); the other database tests use scale=0.1."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from kechuang.core import permissions, selectors
from kechuang.core.creditcode import credit_code_error
from kechuang.core.demo import (
    CHANGSHAN,
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    KAIHUA,
    KAIHUA_TOWNSHIPS,
    _org_code_check,
    build_demo,
    demo_counts,
    demo_specs,
)
from kechuang.core.models import (
    AuditEvent,
    IndustryClass,
    Organisation,
    OrganisationYear,
    Person,
    Region,
    Role,
    RoleAssignment,
    SpecialtyTag,
    SystemFlag,
    User,
)

ALL_ROLES = set(Role.values)


# --- the pure generator (no database) ------------------------------------------------------------------


def test_specs_are_deterministic():
    assert demo_specs(seed=7, scale=0.1) == demo_specs(seed=7, scale=0.1)
    assert demo_specs() == demo_specs()
    one, other = demo_specs(seed=7, scale=0.1), demo_specs(seed=8, scale=0.1)
    assert [o.credit_code for o in one.enterprises()[:10]] != [
        o.credit_code for o in other.enterprises()[:10]
    ]
    assert [o.name for o in one.enterprises()[:10]] != [o.name for o in other.enterprises()[:10]]


def test_full_specs_have_the_promised_shape():
    specs = demo_specs()
    kaihua = specs.enterprises(KAIHUA)
    assert len(kaihua) == 300
    assert len(specs.enterprises(CHANGSHAN)) == 20
    assert sum((2025, True) in o.years for o in kaihua) == 80
    changed = [o for o in kaihua if len(o.years) == 2 and o.years[0][1] != o.years[1][1]]
    assert 3 <= len(changed) <= 15  # a few enter or leave the above-scale list between the years
    assert {o.region for o in kaihua} == set(KAIHUA_TOWNSHIPS)  # all 14 townships
    assert sum(1 for p in specs.people if p.is_expert and p.county == KAIHUA) == 150
    assert sum(1 for o in specs.organisations if o.kind == "department") == 30

    codes = [o.credit_code for o in specs.organisations]
    names = [o.name for o in specs.organisations]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    assert len({p.name for p in specs.people}) == len(specs.people)
    for o in specs.organisations:
        assert credit_code_error(o.credit_code) is None, o
        # Positions 9–17 are a GB 11714 organisation code with its own check character.
        assert _org_code_check(o.credit_code[8:16]) == o.credit_code[16], o
        assert o.credit_code[2:8] == o.region[:6]
    for o in kaihua:
        assert o.credit_code.startswith("91330824")
        assert o.name.endswith("有限公司") and o.name.startswith(("开化", "浙江"))
        assert o.address.startswith(KAIHUA_TOWNSHIPS[o.region][0])
        if o.years:
            assert o.industry[:2] >= "13" and o.industry[:2] <= "43"  # manufacturing (门类 C)


# --- the full build, once --------------------------------------------------------------------------------


def test_full_demo(reference):
    summary = build_demo()
    assert not summary.already_loaded

    kaihua = Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE, region__code__startswith=KAIHUA)
    assert kaihua.count() == 300
    assert set(kaihua.values_list("region__parent_id", flat=True)) == {KAIHUA}
    assert kaihua.values("region").distinct().count() == 14
    assert all(
        credit_code_error(code) is None for code in Organisation.objects.values_list("credit_code", flat=True)
    )
    industries = IndustryClass.objects.filter(organisation__isnull=False).distinct()
    assert set(industries.values_list("level", flat=True)) == {IndustryClass.Level.CLASS}
    assert industries.filter(code__in=["1530", "3985", "2614", "3444", "3831"]).count() == 5
    above_2025 = OrganisationYear.objects.filter(year=2025, is_above_scale=True, organisation__in=kaihua)
    assert 75 <= above_2025.count() <= 85
    assert set(above_2025.values_list("organisation__industry__section", flat=True)) == {"C"}
    assert OrganisationYear.objects.filter(year=2024, organisation__in=kaihua).count() >= above_2025.count()

    experts = Person.objects.filter(is_expert=True, county_id=KAIHUA)
    assert 140 <= experts.count() <= 160
    assert experts.filter(is_commissioner=True).count() >= 20
    assert (
        experts.filter(organisation__kind=Organisation.Kind.UNIVERSITY)
        .values("organisation")
        .distinct()
        .count()
        >= 8
    )
    assert (
        SpecialtyTag.objects.filter(
            name__in=["茶叶", "油茶", "有机硅", "新材料", "数控机床", "水产养殖"]
        ).count()
        == 6
    )
    assert Person.objects.filter(is_contact=True, organisation__in=kaihua).count() >= 5
    departments = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT, region_id=KAIHUA)
    assert 28 <= departments.count() <= 32
    assert departments.filter(name="开化县农业农村局").exists()
    assert Organisation.objects.get(name="浙江大学").region_id == "330106"
    assert Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).count() >= 3
    assert (
        Organisation.objects.filter(
            kind=Organisation.Kind.ENTERPRISE, region__code__startswith=CHANGSHAN
        ).count()
        == 20
    )

    # One account per role, each with the printed password.
    assert {row[0] for row in summary.logins} == {str(r.label) for r in Role}
    assigned = set(RoleAssignment.objects.filter(user__is_active=True).values_list("role", flat=True))
    assert assigned == ALL_ROLES
    for _label, username, password in summary.logins:
        user = User.objects.get(username=username)
        assert user.is_active and user.check_password(password), username
    assert permissions.has_role(User.objects.get(username="kh_bumen"), Role.DEPARTMENT)
    assert User.objects.get(username="kh_tepai").roles.get().person.is_commissioner
    assert User.objects.get(username="kh_expert").roles.get().person.is_expert
    assert User.objects.get(username="cs_staff").roles.get().region_id == CHANGSHAN
    assert [s.user for s in selectors.pending_signups(user=User.objects.get(username="kh_staff"))] == [
        User.objects.get(username=summary.pending_signup)
    ]
    assert not selectors.pending_signups(user=User.objects.get(username="cs_staff")).exists()

    # Deterministic: the database holds exactly what the seed says, in order.
    specs = demo_specs()
    first = list(kaihua.order_by("id").values_list("credit_code", "name")[:10])
    assert first == [(o.credit_code, o.name) for o in specs.enterprises()[:10]]

    # Every record was written through the services, so each has its audit event.
    events = Counter(AuditEvent.objects.values_list("object_type", flat=True))
    assert events["core.organisation"] == Organisation.objects.count()
    assert events["core.organisationyear"] == OrganisationYear.objects.count()
    assert events["core.person"] == Person.objects.count()
    assert events["core.roleassignment"] == RoleAssignment.objects.count()
    assert events["core.user"] >= User.objects.count()
    assert AuditEvent.objects.filter(username="演示数据生成").count() > 700
    assert SystemFlag.objects.filter(key="demo_loaded").exists()

    # A second run changes nothing.
    counts = demo_counts()
    rows = (
        Organisation.objects.count(),
        Person.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    again = build_demo()
    assert again.already_loaded
    assert again.counts == counts == summary.counts
    assert (
        Organisation.objects.count(),
        Person.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    ) == rows


# --- smaller builds -----------------------------------------------------------------------------------


def test_small_demo_scales_down(reference):
    summary = build_demo(scale=0.1)
    assert summary.counts["开化县企业"] == 30
    assert summary.counts["其中规上工业企业（2025年）"] == 8
    assert summary.counts["开化县专家"] == 15
    assert summary.counts["开化县县级部门"] == 30  # the listed departments are all there at any scale


def test_force_fills_in_what_is_missing_without_duplicates(reference):
    build_demo(scale=0.1)
    User.objects.get(username="auditor").delete()
    assert build_demo(scale=0.1).already_loaded
    assert not User.objects.filter(username="auditor").exists()

    organisations, people = Organisation.objects.count(), Person.objects.count()
    summary = build_demo(scale=0.1, force=True)
    assert not summary.already_loaded
    assert summary.created == {"user": 1}
    assert User.objects.get(username="auditor").roles.get().role == Role.AUDITOR
    assert (Organisation.objects.count(), Person.objects.count()) == (organisations, people)


def test_demo_without_reference_data_says_so(db):
    for level in ("township", "county", "city"):
        Region.objects.filter(code__startswith="3308", level=level).delete()
    with pytest.raises(RuntimeError, match="migrate"):
        build_demo(scale=0.1)


def test_demo_accounts_keep_the_three_system_roles_apart(reference):
    build_demo(scale=0.1)
    system = {
        "sysadmin": Role.ADMIN,
        "security1": Role.SECURITY,
        "security2": Role.SECURITY,
        "auditor": Role.AUDITOR,
    }
    for username, role in system.items():
        assert [r.role for r in User.objects.get(username=username).roles.all()] == [role], username
    # Two security administrators, so a role grant can be asked by one and approved by the other.
    assert User.objects.filter(roles__role=Role.SECURITY).count() == 2
    # No Django admin site: nobody is is_staff, and the demo logins need no forced change.
    assert not User.objects.filter(is_staff=True).exists()
    assert not User.objects.filter(username__in=DEMO_USERNAMES, must_change_password=True).exists()


def test_demo_command_prints_logins(reference):
    out = StringIO()
    call_command("demo", "--scale", "0.1", stdout=out)
    text = out.getvalue()
    assert "演示数据已载入" in text
    for username in DEMO_USERNAMES:
        assert username in text
    assert DEMO_PASSWORD in text and "科技管理科" in text and "kh_pending" in text

    out = StringIO()
    call_command("demo", "--scale", "0.1", stdout=out)
    assert "已载入" in out.getvalue() and "未做修改" in out.getvalue() and "kh_staff" in out.getvalue()


def test_login_page_list_matches_the_demo_accounts():
    assert [a.username for a in demo_specs(scale=0.1).accounts] == list(DEMO_USERNAMES)
