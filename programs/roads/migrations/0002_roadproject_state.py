# The FSM field of RoadProject is called ``state``, like every other state machine's
# (policyops.workflow). The column and its history column are renamed in place; the
# composite index is rebuilt under the name Django derives from its new field list.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("roads", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="roadproject",
            name="roads_roadp_distric_43a607_idx",
        ),
        migrations.RenameField(
            model_name="historicalroadproject",
            old_name="status",
            new_name="state",
        ),
        migrations.RenameField(
            model_name="roadproject",
            old_name="status",
            new_name="state",
        ),
        migrations.AddIndex(
            model_name="roadproject",
            index=models.Index(fields=["district", "work_type", "state"], name="roads_roadp_distric_6a49be_idx"),
        ),
    ]
