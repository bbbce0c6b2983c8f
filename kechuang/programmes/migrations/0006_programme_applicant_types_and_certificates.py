"""A programme declares which organisation types may apply (申报单位类型) and whether its recognitions come
with a certificate number (颁发证书). Existing programmes keep admitting what they admitted: enterprises,
plus every type of organisation that has already applied to them."""

import kechuang.programmes.models
from django.db import migrations, models


def admit_existing_applicants(apps, schema_editor):  # type: ignore[no-untyped-def]
    Programme = apps.get_model("programmes", "Programme")
    Application = apps.get_model("programmes", "Application")
    order = [
        "enterprise", "university", "institute", "department", "dev_zone", "authority", "cooperative",
        "provider", "other",
    ]  # fmt: skip
    seen: dict[int, set[str]] = {}
    rows = Application.objects.filter(organisation__isnull=False).values_list(
        "programme_id", "organisation__kind"
    )
    for programme_id, kind in rows.distinct():
        seen.setdefault(programme_id, set()).add(kind)
    for programme in Programme.objects.all().only("pk", "for_people"):
        kinds = seen.get(programme.pk, set()) | {"enterprise"}
        Programme.objects.filter(pk=programme.pk).update(applicant_kinds=[k for k in order if k in kinds])


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0005_policy_roles_rule_conditions_claim_items"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="applicant_kinds",
            field=models.JSONField(
                blank=True,
                default=kechuang.programmes.models.default_applicant_kinds,
                help_text="受理哪些类型的单位申报（个人申报的项目为推荐单位，可不选）：如企业；产业创新服务综合体等平台类项目为县级部门、开发区管委会。",
                verbose_name="申报单位类型",
            ),
        ),
        migrations.AddField(
            model_name="programme",
            name="issues_certificate",
            field=models.BooleanField(
                default=True,
                help_text="认定结果是否有证书编号；研发中心、重点实验室、综合体、领军企业等认定不发证书。",
                verbose_name="颁发证书",
            ),
        ),
        migrations.RunPython(admit_existing_applicants, migrations.RunPython.noop),
    ]
