from django.conf import settings
from django.db import migrations, models

# The audit log becomes append-only against DELETE and TRUNCATE too, on both databases, with one
# controlled prune path for rows older than the retention period (see kechuang/core/appendonly.py).
# Failed logins and bad API tokens are counted per IP and minute in a table of their own.


def forward(apps, schema_editor):
    from kechuang.core import appendonly

    appendonly.install(schema_editor)


def backward(apps, schema_editor):
    # `migrate core zero` (or any step back past this migration) would take the audit log's protection
    # with it and then drop the table: refused outside demo mode.
    if getattr(settings, "PRODUCTION", False):
        raise RuntimeError("生产环境不能回退审计日志的只追加保护（KECHUANG_ENV=production）。")
    from kechuang.core import appendonly

    appendonly.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_signup_requests_and_protected_workplaces")]

    operations = [
        migrations.CreateModel(
            name="FailureWindow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("login", "登录"), ("token", "API 令牌")], max_length=8)),
                ("ip", models.CharField(blank=True, max_length=45)),
                ("minute", models.DateTimeField()),
                ("failures", models.PositiveIntegerField(default=0)),
                ("refused", models.PositiveIntegerField(default=0)),
                ("usernames", models.JSONField(default=list)),
                ("summarised", models.BooleanField(default=False)),
            ],
            options={
                "indexes": [models.Index(fields=["summarised", "minute"], name="core_failurewindow_open")],
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "ip", "minute"), name="core_failurewindow_once")
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
