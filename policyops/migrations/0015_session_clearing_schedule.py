# The daily 过期会话清理 (policyops.sessions.clear_expired), for databases migrated before it existed.
from django.db import migrations

from policyops import schedules


class Migration(migrations.Migration):

    dependencies = [
        ("policyops", "0014_audit_search_indexes_written_at_once"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules.install, migrations.RunPython.noop)]
