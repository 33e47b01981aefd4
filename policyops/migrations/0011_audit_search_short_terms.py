# The audit list's search of a one- or two-character term (张伟), which holds no trigram.
from django.db import migrations

from policyops.search_indexes import short_gram_search_indexes

create, drop = short_gram_search_indexes("policyops_auditentry", ("object_repr", "reason"))


class Migration(migrations.Migration):

    dependencies = [
        ("policyops", "0010_notification_inbox_newest"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
