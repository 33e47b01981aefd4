# The case searches' GIN indexes without a pending list (policyops.search_indexes.GIN_STORAGE).
from django.db import migrations

from policyops.search_indexes import written_at_once

forward, backward = written_at_once("approvals_approvalcase", trigram_columns=("number", "applicant_name"),
                                    short_gram_columns=("applicant_name",))


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0011_case_search_short_terms"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
