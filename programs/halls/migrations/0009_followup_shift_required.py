import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('halls', '0008_followup_shift'),
    ]

    operations = [
        migrations.AlterField(
            model_name='followup',
            name='shift',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='halls.dutyshift', verbose_name='duty shift'),
        ),
    ]
