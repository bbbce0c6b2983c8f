import django.db.models.deletion
from django.db import migrations, models


def items_for_backfilled_claims(apps, schema_editor):
    """补录 claims recorded before claims had items: one item each, on the rule their title names."""
    Application = apps.get_model("programmes", "Application")
    IncentiveRule = apps.get_model("programmes", "IncentiveRule")
    ClaimItem = apps.get_model("programmes", "ClaimItem")
    claims = Application.objects.filter(
        is_backfill=True, programme__kind="incentive", claim_items__isnull=True
    )
    for claim in claims.select_related("programme", "call"):
        rules = list(IncentiveRule.objects.filter(policy_id=claim.programme.policy_id, item=claim.title))
        for_year = [r for r in rules if r.achievement_year == claim.call.year - 1]
        rule = for_year[0] if len(for_year) == 1 else (rules[0] if len(rules) == 1 else None)
        if rule is not None and claim.decided_amount is not None:
            ClaimItem.objects.create(application=claim, rule=rule, amount=claim.decided_amount)


class Migration(migrations.Migration):
    dependencies = [("programmes", "0004_programme_nature_annual_check")]

    operations = [
        migrations.AlterField(
            model_name="policydocument",
            name="bureau_role",
            field=models.CharField(
                choices=[
                    ("drafted", "牵头起草"),
                    ("co_drafted", "参与起草"),
                    ("co_issued", "联合发文"),
                    ("implements", "贯彻执行"),
                ],
                max_length=12,
                verbose_name="本局角色",
            ),
        ),
        migrations.AddField(
            model_name="policydocument",
            name="short_title",
            field=models.CharField(
                blank=True,
                help_text="通行的简称，如“工业四十条”；总结中代替全称。",
                max_length=40,
                verbose_name="简称",
            ),
        ),
        migrations.AddField(
            model_name="incentiverule",
            name="recognition",
            field=models.CharField(
                blank=True,
                choices=[("", "不限"), ("first", "首次认定"), ("renewal", "重新认定")],
                default="",
                help_text="资质类成果：仅奖励首次认定、仅奖励重新认定，或不限。",
                max_length=8,
                verbose_name="认定情形",
            ),
        ),
        migrations.AddField(
            model_name="incentiverule",
            name="grade",
            field=models.CharField(
                blank=True,
                help_text="仅奖励该等级的成果（如 A类、B类，须与认定结果登记的等级一致）；留空为不限等级。",
                max_length=30,
                verbose_name="成果等级",
            ),
        ),
        migrations.AddField(
            model_name="award",
            name="grade",
            field=models.CharField(
                blank=True,
                help_text="成果的等级，如省级工业新产品的 A类、B类。",
                max_length=30,
                verbose_name="等级",
            ),
        ),
        migrations.AlterField(
            model_name="claimitem",
            name="achievement",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="claimed_in",
                to="programmes.award",
            ),
        ),
        migrations.AddField(
            model_name="claimitem",
            name="reference",
            field=models.CharField(
                blank=True,
                help_text="证书编号、登记编号或项目（产品）名称。",
                max_length=200,
                verbose_name="成果",
            ),
        ),
        migrations.RunPython(items_for_backfilled_claims, migrations.RunPython.noop),
    ]
