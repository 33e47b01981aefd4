# Each follow-up names its rated shift (FollowUp.shift): added empty and filled from the ratings
# here, required in 0009 (PostgreSQL refuses to alter a table with the fill's foreign-key checks
# still pending in the same transaction).

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_shift_from_rating(apps, schema_editor):
    Evaluation = apps.get_model("halls", "Evaluation")
    rated_shift = Subquery(Evaluation.objects.filter(pk=OuterRef("evaluation_id")).values("shift_id")[:1])
    for name in ("FollowUp", "HistoricalFollowUp"):
        apps.get_model("halls", name).objects.filter(shift__isnull=True).update(shift_id=rated_shift)


class Migration(migrations.Migration):

    dependencies = [
        ('halls', '0007_followup_open_first'),
    ]

    operations = [
        migrations.AddField(
            model_name='followup',
            name='shift',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='halls.dutyshift', verbose_name='duty shift'),
        ),
        migrations.AddField(
            model_name='historicalfollowup',
            name='shift',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='halls.dutyshift', verbose_name='duty shift'),
        ),
        migrations.RunPython(copy_shift_from_rating, migrations.RunPython.noop),
    ]
