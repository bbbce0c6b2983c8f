"""An organisation is located anywhere (`region`, any level) and held by the register of one county
(`county`): the county a county-or-township location lies in, for every organisation registered so far.
New organisation types: 农民专业合作社, 开发区管委会, 上级主管部门. A person may be reached by landline."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def fill_register_county(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.db.models.functions import Substr

    Organisation = apps.get_model("core", "Organisation")
    Region = apps.get_model("core", "Region")
    # Until now every location was a county (6 digits) or one of its townships (9 digits).
    Organisation.objects.update(county_id=Substr("region_id", 1, 6))
    counties = Region.objects.filter(level="county").values("code")
    stray = Organisation.objects.exclude(county_id__in=counties).values_list("pk", "region_id")[:5]
    if stray:
        raise RuntimeError(f"organisations located outside any county: {list(stray)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_separation_of_duties"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="county",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registered_organisations",
                to="core.region",
            ),
        ),
        migrations.RunPython(fill_register_county, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organisation",
            name="county",
            field=models.ForeignKey(
                blank=True,
                help_text="在哪个县（市、区）的名录中登记；县外单位（高校、院所、上级部门、外地企业）为登记它的县。",
                limit_choices_to={"level": "county"},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registered_organisations",
                to="core.region",
                verbose_name="登记县",
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="landline",
            field=models.CharField(
                blank=True,
                max_length=20,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[0-9+\\-() ]{5,20}$", "电话号码只能包含数字、空格和 + - ( )，长度 5–20 位。"
                    )
                ],
                verbose_name="固定电话",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("enterprise", "企业"),
                    ("university", "高校"),
                    ("institute", "科研院所"),
                    ("department", "县级部门"),
                    ("dev_zone", "开发区管委会"),
                    ("authority", "上级主管部门"),
                    ("cooperative", "农民专业合作社"),
                    ("provider", "服务机构"),
                    ("other", "其他"),
                ],
                default="enterprise",
                max_length=12,
                verbose_name="类型",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="region",
            field=models.ForeignKey(
                help_text="单位实际所在的省、市、县（市、区）或乡镇（街道）。",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="organisations",
                to="core.region",
                verbose_name="所在地",
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["county", "kind"], name="core_organi_county__39d457_idx"),
        ),
    ]
