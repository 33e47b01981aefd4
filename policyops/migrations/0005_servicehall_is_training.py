"""A training hall (ServiceHall.is_training): practice shifts there count in no report."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('policyops', '0004_indicator_district_deadline_from_plan_period'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalservicehall',
            name='is_training',
            field=models.BooleanField(db_default=False, default=False, help_text='For trying sign-in and sign-out; its shifts are left out of every report.', verbose_name='training hall'),
        ),
        migrations.AddField(
            model_name='servicehall',
            name='is_training',
            field=models.BooleanField(db_default=False, default=False, help_text='For trying sign-in and sign-out; its shifts are left out of every report.', verbose_name='training hall'),
        ),
    ]
