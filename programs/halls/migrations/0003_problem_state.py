"""Problem.status (a free field) becomes Problem.state, a protected django-fsm field moved by its transitions."""
import policyops.fsm
from django.db import migrations


STATE_FIELD = dict(
    choices=[("open", "open"), ("in_progress", "being rectified"), ("rectified", "rectified")],
    default="open", max_length=20, verbose_name="rectification",
)


class Migration(migrations.Migration):

    dependencies = [
        ("halls", "0002_initial"),
    ]

    operations = [
        # A rename keeps each problem's value; the values are the states' values.
        migrations.RenameField(model_name="problem", old_name="status", new_name="state"),
        migrations.RenameField(model_name="historicalproblem", old_name="status", new_name="state"),
        migrations.AlterField(model_name="problem", name="state",
                              field=policyops.fsm.StateField(protected=True, **STATE_FIELD)),
        migrations.AlterField(model_name="historicalproblem", name="state",
                              field=policyops.fsm.StateField(protected=True, **STATE_FIELD)),
    ]
