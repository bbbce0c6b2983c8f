"""Shared fixtures: the reference tables, and one named user per role in two counties.

County A is 开化县 (330824), county B is 常山县 (330822); both lie in 衢州市 (330800), 浙江省 (330000).
"""

import pytest
from django.test import Client

from kechuang.core import services
from kechuang.core.models import Organisation, Region, Role
from kechuang.core.reference import load_reference_data
from kechuang.rnd.reference import load_deduction_rates
from tests.factories import OrganisationFactory, PersonFactory

PASSWORD = "Kc-test-Passw0rd"
pytest_plugins = ["tests.programmes.fixtures"]  # the programme catalogue, for every test tree


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference(db):
    """Regions, industries and the deduction rate table (loaded by migration; reloaded after a transactional
    test flushed them)."""
    load_reference_data()
    load_deduction_rates()


@pytest.fixture
def county_a(reference):
    return Region.objects.get(code="330824")


@pytest.fixture
def county_b(reference):
    return Region.objects.get(code="330822")


@pytest.fixture
def township_a(county_a):
    return county_a.children.order_by("code").first()


@pytest.fixture
def org_x(county_a):
    return OrganisationFactory(name="开化县甲科技有限公司", region=county_a)


@pytest.fixture
def org_y(county_b):
    return OrganisationFactory(name="常山县乙材料有限公司", region=county_b)


@pytest.fixture
def department_a(county_a):
    return OrganisationFactory(name="开化县农业农村局", kind=Organisation.Kind.DEPARTMENT, region=county_a)


@pytest.fixture
def expert_person_a(county_a):
    return PersonFactory(name="王专家", county=county_a)


@pytest.fixture
def expert_person_b(county_b):
    return PersonFactory(name="李专家", county=county_b)


def make_user(username, **role):
    """The server-side bootstrap path (by=None), which pages and the API cannot take: the role at once,
    and no forced password change (tests log in with force_login or PASSWORD)."""
    return services.user_create(
        by=None,
        username=username,
        password=PASSWORD,
        full_name=username,
        roles=[role] if role else [],
        must_change_password=False,
    )


@pytest.fixture
def staff_a(county_a):
    return make_user("staff_a", role=Role.STAFF, region=county_a)


@pytest.fixture
def staff_b(county_b):
    return make_user("staff_b", role=Role.STAFF, region=county_b)


@pytest.fixture
def leader_a(county_a):
    return make_user("leader_a", role=Role.LEADER, region=county_a)


@pytest.fixture
def enterprise_x(org_x):
    return make_user("enterprise_x", role=Role.ENTERPRISE, organisation=org_x)


@pytest.fixture
def department_user_a(department_a):
    return make_user("department_a", role=Role.DEPARTMENT, organisation=department_a)


@pytest.fixture
def expert_a(expert_person_a):
    return make_user("expert_a", role=Role.EXPERT, person=expert_person_a)


@pytest.fixture
def city_user(reference):
    return make_user("city_quzhou", role=Role.CITY, region=Region.objects.get(code="330800"))


@pytest.fixture
def province_user(reference):
    return make_user("province_zj", role=Role.PROVINCE, region=Region.objects.get(code="330000"))


@pytest.fixture
def admin_user(reference):
    return make_user("sysadmin", role=Role.ADMIN)


@pytest.fixture
def security_user(reference):
    return make_user("security1", role=Role.SECURITY)


@pytest.fixture
def security_user2(reference):
    return make_user("security2", role=Role.SECURITY)


@pytest.fixture
def auditor_user(reference):
    return make_user("auditor", role=Role.AUDITOR)


@pytest.fixture
def outsider(reference):
    return make_user("outsider")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_a):
    return client_for(staff_a)


def pytest_collection_modifyitems(items):
    """Browser tests last: their live server flushes the database after each test."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))
