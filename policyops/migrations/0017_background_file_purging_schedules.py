# The daily 后台导出文件清理 and 项目清单暂存清理 (policyops.schedules), for databases migrated before them.
from django.db import migrations

from policyops import schedules


class Migration(migrations.Migration):

    dependencies = [
        ("policyops", "0016_audit_content_type_index_in_composite"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules.install, migrations.RunPython.noop)]
