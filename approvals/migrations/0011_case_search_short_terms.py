# The search of a one- or two-character applicant name (张伟), which holds no trigram.
from django.db import migrations

from policyops.search_indexes import short_gram_search_indexes

create, drop = short_gram_search_indexes("approvals_approvalcase", ("applicant_name",))


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0010_case_overdue_queue_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
