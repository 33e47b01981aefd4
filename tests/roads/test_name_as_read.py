"""A project's name as a list reads it (路（演示） as 路(演示)), kept beside the name and unique
in its district and year, whoever writes the row."""
import pytest
from django.db import IntegrityError, transaction

from programs.roads.models import RoadProject
from programs.roads.project_lists import import_project_table
from tests.roads.test_import_export import csv_bytes, good_rows
from tests.roads.test_projects import new_project

BEFORE = [("roads", "0006_covering_indexes_for_steps_due")]
AFTER = [("roads", "0007_project_name_as_read")]



@pytest.mark.django_db
def test_a_saved_project_keeps_its_name_as_a_list_reads_it(manager):
    project = new_project(manager, name=" 平度演示路（东） ")
    assert RoadProject.objects.get(pk=project.pk).name_as_read == "平度演示路(东)"
    project.name = "平度演示路（西）"
    project.save(update_fields=["name"])
    assert RoadProject.objects.get(pk=project.pk).name_as_read == "平度演示路(西)"


@pytest.mark.django_db
def test_the_database_refuses_a_second_project_that_reads_alike_though_no_form_asked(manager):
    first = new_project(manager, name="平度演示路（东）")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoadProject.objects.create(district=first.district, town=first.town, name="平度演示路(东)",
                                   plan_year=first.plan_year, work_type=first.work_type, quantity=first.quantity,
                                   estimate_wan=first.estimate_wan, responsible_unit=first.responsible_unit)


@pytest.mark.django_db
def test_projects_a_list_creates_are_written_with_their_name_as_read(manager):
    report = import_project_table(csv_bytes(good_rows()), filename="x.csv", user=manager, dry_run=False)
    assert report.saved, report.problems
    names = list(RoadProject.objects.values_list("name", "name_as_read"))
    assert len(names) == 3 and all(name and name == as_read for name, as_read in names)


def _old_project(apps, name):
    district = apps.get_model("policyops", "District").objects.get(name="平度市")
    return apps.get_model("roads", "RoadProject").objects.create(
        district=district, town="演示镇", name=name, work_type="路网提档升级", quantity=1, estimate_wan=1,
        plan_year=2019, responsible_unit="平度市交通运输局")


def test_the_migration_reads_every_saved_name(migrate_to, seeded):
    old = migrate_to(BEFORE)
    pk = _old_project(old, "平度演示路（东）").pk
    new = migrate_to(AFTER)
    assert new.get_model("roads", "RoadProject").objects.get(pk=pk).name_as_read == "平度演示路(东)"


def test_the_migration_names_saved_projects_that_read_alike_and_stops(migrate_to, seeded):
    old = migrate_to(BEFORE)
    first, twin = _old_project(old, "平度演示路（东）"), _old_project(old, "平度演示路(东)")
    with pytest.raises(RuntimeError, match=f"#{first.pk} / #{twin.pk}"):
        migrate_to(AFTER)
    twin.delete()  # renamed or removed by a person: the migration then goes on (and the fixture's teardown)
