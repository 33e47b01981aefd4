"""PolicyTask.status → PolicyTask.state (the workflow kernel's name for a state field).

A rename, so every task keeps its state; simple-history's table is renamed alike.
"""
import policyops.fsm
from django.db import migrations

STATES = [('assigned', 'assigned'), ('in_progress', 'in progress'), ('submitted', 'submitted'),
          ('accepted', 'accepted'), ('returned', 'returned')]


class Migration(migrations.Migration):

    dependencies = [
        ('policyops', '0002_periodic_tasks'),
    ]

    operations = [
        migrations.RenameField(model_name='policytask', old_name='status', new_name='state'),
        migrations.RenameField(model_name='historicalpolicytask', old_name='status', new_name='state'),
        migrations.AlterField(
            model_name='policytask',
            name='state',
            field=policyops.fsm.StateField(choices=STATES, default='assigned', max_length=20, protected=True,
                                      verbose_name='state'),
        ),
        migrations.AlterField(
            model_name='historicalpolicytask',
            name='state',
            field=policyops.fsm.StateField(choices=STATES, default='assigned', max_length=20, protected=True,
                                      verbose_name='state'),
        ),
    ]
