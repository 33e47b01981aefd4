"""A director may practise at a training hall on a day they are rostered: one shift per director, hall and day."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('halls', '0004_substitution_filing_served_days'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='dutyshift',
            name='shift_one_per_director_day',
        ),
        migrations.AddConstraint(
            model_name='dutyshift',
            constraint=models.UniqueConstraint(fields=('director', 'hall', 'date'), name='shift_one_per_director_hall_day'),
        ),
    ]
