"""The super-deduction rate table as published (研发费用加计扣除比例). Later announcements are new rows,
added by the operator with `kechuang rates --add` (audited); no code branches on years."""

from django.db import migrations


def seed(apps, schema_editor):
    from kechuang.rnd.reference import load_deduction_rates

    load_deduction_rates(apps)


def unseed(apps, schema_editor):
    from kechuang.rnd.reference import RATES

    DeductionRate = apps.get_model("rnd", "DeductionRate")
    for applies_to, valid_from, _until, _rate, basis, _note in RATES:
        DeductionRate.objects.filter(applies_to=applies_to, valid_from=valid_from, basis=basis).delete()


class Migration(migrations.Migration):
    dependencies = [("rnd", "0001_r_and_d")]
    operations = [migrations.RunPython(seed, unseed)]
