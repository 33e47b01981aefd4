# The login logs' lists (policyops.admin_users.LoginLogListMixin), newest first from an index:
# django-axes gives its logs none on the time, and its tables are its own, so the indexes are
# added here, in plain SQL that PostgreSQL and SQLite both take.
from django.db import migrations

TABLES = ("axes_accesslog", "axes_accessfailurelog")


class Migration(migrations.Migration):

    dependencies = [
        ("policyops", "0011_audit_search_short_terms"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {table}_newest_first ON {table} (attempt_time DESC, id DESC)",
                          f"DROP INDEX IF EXISTS {table}_newest_first", elidable=False)
        for table in TABLES
    ]
