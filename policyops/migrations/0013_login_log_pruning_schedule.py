# The daily 登录日志清理 (policyops.login_logs), for databases migrated before it existed.
from django.db import migrations

from policyops import schedules


class Migration(migrations.Migration):

    dependencies = [
        ("policyops", "0012_login_logs_newest_first"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules.install, migrations.RunPython.noop)]
