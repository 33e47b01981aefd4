from django.db import migrations

from policyops import schedules


class Migration(migrations.Migration):
    dependencies = [
        ("policyops", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules.install, schedules.uninstall)]
