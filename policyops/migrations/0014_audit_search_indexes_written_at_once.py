# The audit trail's search indexes without a pending list (policyops.search_indexes.GIN_STORAGE).
from django.db import migrations

from policyops.search_indexes import written_at_once

forward, backward = written_at_once("policyops_auditentry", trigram_columns=("object_repr", "reason"),
                                    short_gram_columns=("object_repr", "reason"))


class Migration(migrations.Migration):

    dependencies = [
        ("policyops", "0013_login_log_pruning_schedule"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
