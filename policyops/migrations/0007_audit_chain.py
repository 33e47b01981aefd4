"""The audit trail becomes append-only below the ORM, with a hash chain (policyops.audit).

On PostgreSQL a row trigger refuses UPDATE and DELETE of policyops_auditentry, and a
statement trigger refuses TRUNCATE. The one UPDATE let through is the sealer's: it sets
chain_seq and row_hash of a row whose chain columns are still NULL, and changes nothing
else. Elsewhere (SQLite) the SQL is not run: the ORM refuses the same (AuditQuerySet).

Escape hatch, for the test suite only (its transactional tests flush every table with
TRUNCATE): the trigger lets everything through when the session sets
``policyops.audit_maintenance = on`` *and* the database is a Django test database (its
name starts with ``test_``). tests/settings.py sets it on its PostgreSQL connections;
production never does, and in a production database the setting has no effect.
"""
from django.conf import settings
from django.db import migrations, models

from policyops import schedules

TABLE = "policyops_auditentry"

CREATE = f"""
CREATE OR REPLACE FUNCTION policyops_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('policyops.audit_maintenance', true) = 'on'
       AND current_database() LIKE 'test\\_%' THEN
        IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND OLD.chain_seq IS NULL AND OLD.row_hash IS NULL
       AND NEW.chain_seq IS NOT NULL AND NEW.row_hash IS NOT NULL
       AND to_jsonb(NEW) - 'chain_seq' - 'row_hash' = to_jsonb(OLD) - 'chain_seq' - 'row_hash' THEN
        RETURN NEW;  -- sealing: the chain columns are filled once, nothing else changes
    END IF;
    RAISE EXCEPTION 'The audit trail ({TABLE}) is append-only: % refused.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER policyops_audit_no_rewrite BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION policyops_audit_append_only();
CREATE TRIGGER policyops_audit_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION policyops_audit_append_only();
"""

DROP = f"""
DROP TRIGGER IF EXISTS policyops_audit_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS policyops_audit_no_rewrite ON {TABLE};
DROP FUNCTION IF EXISTS policyops_audit_append_only();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('policyops', '0006_notification_by_object'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='chain_seq',
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True,
                                         verbose_name='chain position'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='row_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, verbose_name='hash'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('chain_seq__isnull', True)), fields=['id'],
                               name='auditentry_unsealed'),
        ),
        # Triggers by vendor: RunSQL cannot ask which database it runs on.
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
        # The sealer's schedule (policyops.schedules), for databases migrated before it existed.
        migrations.RunPython(schedules.install, migrations.RunPython.noop),
    ]
