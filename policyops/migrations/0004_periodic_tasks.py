from django.db import migrations

from policyops import schedules


class Migration(migrations.Migration):
    dependencies = [
        ("policyops", "0003_notification"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules.install, schedules.uninstall)]
