from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_notice_publication_and_corrections")]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="nature",
            field=models.CharField(
                blank=True,
                choices=[("competitive", "竞争性"), ("guiding", "指导性")],
                help_text="科技计划项目的竞争性或指导性（如市级科技计划）；不区分的留空。",
                max_length=12,
                verbose_name="项目性质",
            ),
        ),
        migrations.AlterField(
            model_name="milestone",
            name="kind",
            field=models.CharField(
                choices=[
                    ("mid_term", "中期检查"),
                    ("acceptance", "验收"),
                    ("site_check", "实地考核"),
                    ("annual_check", "年度考核"),
                ],
                max_length=12,
                verbose_name="节点",
            ),
        ),
    ]
