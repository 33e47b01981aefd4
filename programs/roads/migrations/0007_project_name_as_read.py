# A road project's name as a project list reads it, kept beside the name, and unique with the
# district and year: 路（演示） and 路(演示) were two projects to the database and one to a list.
from django.db import migrations, models


def read_every_name(apps, schema_editor):
    """Fill name_as_read; refuse to go on (naming them) where two saved projects read alike,
    which the list import could never tell apart: a person must rename one first."""
    from programs.roads.parsing import text_as_read

    project_model = apps.get_model("roads", "RoadProject")
    seen, clashes, read = {}, [], []
    projects = project_model.objects.order_by("pk").only("pk", "district_id", "plan_year", "name")
    for project in projects.iterator(chunk_size=2000):
        project.name_as_read = text_as_read(project.name)
        key = (project.district_id, project.plan_year, project.name_as_read)
        if key in seen:
            clashes.append(f"#{seen[key]} / #{project.pk} {project.name}")
        seen.setdefault(key, project.pk)
        read.append(project)
    project_model.objects.bulk_update(read, ["name_as_read"], batch_size=1000)
    if clashes:
        raise RuntimeError("Road projects whose names read alike in one district and year (rename one of each "
                           "pair, then migrate again): " + "; ".join(clashes[:20]))


class Migration(migrations.Migration):

    dependencies = [
        ("roads", "0006_covering_indexes_for_steps_due"),
    ]

    operations = [
        migrations.AddField(
            model_name="roadproject",
            name="name_as_read",
            field=models.TextField(default="", editable=False, verbose_name="project name as read"),
        ),
        migrations.RunPython(read_every_name, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="roadproject",
            constraint=models.UniqueConstraint(fields=("district", "name_as_read", "plan_year"),
                                               name="roadproject_unique_name_as_read"),
        ),
        migrations.AddConstraint(
            model_name="roadproject",
            constraint=models.CheckConstraint(condition=models.Q(("name_as_read", ""), _negated=True),
                                              name="roadproject_name_as_read_kept"),
        ),
    ]
