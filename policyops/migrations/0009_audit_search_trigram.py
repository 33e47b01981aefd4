# The audit list's search (object, reason) served by trigram indexes.
from django.db import migrations

from policyops.search_indexes import trigram_search_indexes

create, drop = trigram_search_indexes("policyops_auditentry", ("object_repr", "reason"))


class Migration(migrations.Migration):

    dependencies = [
        ("policyops", "0008_audit_by_action"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
