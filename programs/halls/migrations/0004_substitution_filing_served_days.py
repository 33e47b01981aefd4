"""Issue 10: an A/B substitution is a filing (002:1978), a served day is a day (002:1968, 002:1978).

- A filed substitution is in force at once: 'substitution_filed' shifts become 'substituted'.
  A filing that the old rules left undecided or rejected (the rostered director stayed on
  duty) keeps that meaning: its substitute is cleared, so ``on_duty`` reads as before.
- ``left_early`` is recorded for completed shifts whose presence was shorter than the window
  less the new tolerance (60 minutes by default).
"""
import datetime as dt

import policyops.fsm
from django.db import migrations, models


def forwards(apps, schema_editor):
    DutyShift = apps.get_model("halls", "DutyShift")
    HallSettings = apps.get_model("halls", "HallSettings")
    DutyShift.objects.filter(state="substitution_filed").update(state="substituted", substitution_approved=True)
    DutyShift.objects.filter(substitute__isnull=False, substitution_approved=False).update(substitute=None)
    tolerance = {s.hall_id: s.presence_tolerance_minutes for s in HallSettings.objects.all()}
    early = []
    for shift in DutyShift.objects.filter(state="signed_out", signed_in_at__isnull=False, signed_out_at__isnull=False):
        # rules.minimum_presence / rules.served_a_day as of this migration.
        window = shift.ends_at - shift.starts_at
        minimum = max(window - dt.timedelta(minutes=tolerance.get(shift.hall_id, 60)), dt.timedelta(0))
        if shift.signed_out_at - shift.signed_in_at < minimum:
            early.append(shift.pk)
    DutyShift.objects.filter(pk__in=early).update(left_early=True)


class Migration(migrations.Migration):

    dependencies = [
        ('halls', '0003_problem_state'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='dutyshift',
            options={'ordering': ['date', 'hall_id', 'id'], 'permissions': [('manage_rota', 'Can generate, edit and publish rotas and object to substitutions')], 'verbose_name': 'duty shift', 'verbose_name_plural': 'duty shifts'},
        ),
        migrations.AddField(
            model_name='dutyshift',
            name='left_early',
            field=models.BooleanField(default=False, verbose_name='left early (not a served day)'),
        ),
        migrations.AddField(
            model_name='dutyshift',
            name='objection_reason',
            field=models.CharField(blank=True, max_length=200, verbose_name="supervisor's objection to the last substitution"),
        ),
        migrations.AddField(
            model_name='hallsettings',
            name='presence_tolerance_minutes',
            field=models.PositiveSmallIntegerField(default=60, help_text='A shift counts as a served day only if the director stayed the opening hours less this.', verbose_name='tolerated absence per day (minutes)'),
        ),
        migrations.AddField(
            model_name='historicaldutyshift',
            name='left_early',
            field=models.BooleanField(default=False, verbose_name='left early (not a served day)'),
        ),
        migrations.AddField(
            model_name='historicaldutyshift',
            name='objection_reason',
            field=models.CharField(blank=True, max_length=200, verbose_name="supervisor's objection to the last substitution"),
        ),
        migrations.AddField(
            model_name='historicalhallsettings',
            name='presence_tolerance_minutes',
            field=models.PositiveSmallIntegerField(default=60, help_text='A shift counts as a served day only if the director stayed the opening hours less this.', verbose_name='tolerated absence per day (minutes)'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='dutyshift',
            name='substitution_approved',
        ),
        migrations.RemoveField(
            model_name='historicaldutyshift',
            name='substitution_approved',
        ),
        migrations.AlterField(
            model_name='dutyshift',
            name='state',
            field=policyops.fsm.StateField(choices=[('scheduled', 'scheduled'), ('published', 'published'), ('substituted', 'substitute filed (A/B)'), ('signed_in', 'signed in'), ('signed_out', 'completed'), ('missed', 'missed')], default='scheduled', max_length=20, protected=True, verbose_name='state'),
        ),
        migrations.AlterField(
            model_name='historicaldutyshift',
            name='state',
            field=policyops.fsm.StateField(choices=[('scheduled', 'scheduled'), ('published', 'published'), ('substituted', 'substitute filed (A/B)'), ('signed_in', 'signed in'), ('signed_out', 'completed'), ('missed', 'missed')], default='scheduled', max_length=20, protected=True, verbose_name='state'),
        ),
    ]
