# The admin's and the front list's search of cases (number, applicant) served by trigram indexes.
from django.db import migrations

from policyops.search_indexes import trigram_search_indexes

create, drop = trigram_search_indexes("approvals_approvalcase", ("number", "applicant_name"))


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0006_case_handler_queue_by_district"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
