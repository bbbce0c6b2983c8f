"""Factories that make realistic records: valid credit codes, real division and industry codes."""

import factory

from kechuang.core.creditcode import make_credit_code
from kechuang.core.models import Organisation, Person, Region

_ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code_for(n: int, county: str = "330824", prefix: str = "91") -> str:
    """A valid code for the n-th organisation of a county (deterministic, check digit included)."""
    body = ""
    for _ in range(9):
        n, r = divmod(n, 31)
        body = _ORG_CODE_CHARS[r] + body
    return make_credit_code(prefix + county + body)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试科技有限公司{n:04d}")
    kind = Organisation.Kind.ENTERPRISE
    credit_code = factory.Sequence(lambda n: credit_code_for(n + 100_000))
    region = factory.LazyFunction(lambda: Region.objects.get(code="330824"))
    industry_id = "3985"
    size = Organisation.Size.SMALL


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"专家{n:04d}")
    county = factory.LazyFunction(lambda: Region.objects.get(code="330824"))
    organisation_name = "浙江农林大学"
    title = "教授"
    is_expert = True
    phone = "13800000000"
    email = factory.Sequence(lambda n: f"expert{n}@example.edu.cn")
