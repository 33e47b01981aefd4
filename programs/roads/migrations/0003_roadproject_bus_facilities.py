# A passenger-stop (客运站点) project's bus facilities, subsidised per piece (002:499).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("roads", "0002_roadproject_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalroadproject",
            name="bus_bays",
            field=models.PositiveIntegerField(default=0, verbose_name="bus bays (港湾车站)"),
        ),
        migrations.AddField(
            model_name="historicalroadproject",
            name="bus_shelters",
            field=models.PositiveIntegerField(default=0, verbose_name="bus shelters (候车亭)"),
        ),
        migrations.AddField(
            model_name="historicalroadproject",
            name="bus_signs",
            field=models.PositiveIntegerField(default=0, verbose_name="bus-stop signs (站牌)"),
        ),
        migrations.AddField(
            model_name="roadproject",
            name="bus_bays",
            field=models.PositiveIntegerField(default=0, verbose_name="bus bays (港湾车站)"),
        ),
        migrations.AddField(
            model_name="roadproject",
            name="bus_shelters",
            field=models.PositiveIntegerField(default=0, verbose_name="bus shelters (候车亭)"),
        ),
        migrations.AddField(
            model_name="roadproject",
            name="bus_signs",
            field=models.PositiveIntegerField(default=0, verbose_name="bus-stop signs (站牌)"),
        ),
    ]
