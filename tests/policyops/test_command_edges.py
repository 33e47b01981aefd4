"""Edges of loading seeds/ (policyops.seeding, manage.py load_seeds) and of the audit and
plain-text commands that their tests did not pin (found by mutation testing)."""
import io

import pytest
from django.core.management import call_command

from policyops import seeding
from policyops.models import AuditEntry, District, Indicator
from policyops.seeding import SeedReport, SeedsInvalid, load_seeds, seed_files
from tests.factories import DistrictFactory
from tests.pages import zh
from tests.policyops.test_plain_text_stored import ZERO_WIDTH, stored
from tests.policyops.test_seeds import rewrite

UNCHANGED = {"new": 0, "update": 0, "delete": 0, "skip": 3}


# --- what a load changed (SeedReport.changed) ---------------------------------------------------------


def test_a_load_that_skipped_every_row_changed_nothing():
    assert SeedReport({"a.csv": UNCHANGED, "b.csv": UNCHANGED}).changed is False


@pytest.mark.parametrize("kind", ["new", "update", "delete"])
def test_one_row_added_updated_or_deleted_in_one_file_is_a_change(kind):
    assert SeedReport({"a.csv": UNCHANGED, "b.csv": {**UNCHANGED, kind: 1}}).changed is True


# --- the files' checks before anything is written (read_seed_file, load_seeds) ------------------------


@pytest.mark.django_db
def test_a_natural_key_twice_in_a_file_is_refused_before_any_file_is_imported(seed_copy, monkeypatch):
    imported = []
    monkeypatch.setattr(seeding, "load_seed_file", lambda seed, table: imported.append(seed.filename))
    lines = (seed_copy / "districts.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (seed_copy / "districts.csv").write_text("".join(lines + [lines[1]]), encoding="utf-8")
    with pytest.raises(SeedsInvalid) as exc:
        load_seeds(seed_copy)
    assert [(p.filename, p.line) for p in exc.value.problems] == [("districts.csv", len(lines) + 1)]
    assert imported == []


@pytest.mark.django_db
def test_a_file_refused_whole_is_reported_on_line_0_and_the_others_are_still_read(seed_copy, monkeypatch):
    monkeypatch.setattr(seeding, "SEED_MAX_BYTES", 10)  # every file is too large
    with pytest.raises(SeedsInvalid) as exc:
        load_seeds(seed_copy)
    assert [(p.filename, p.line) for p in exc.value.problems] == [(s.filename, 0) for s in seed_files()]


@pytest.mark.django_db
def test_a_missing_file_is_reported_on_line_0(seed_copy):
    (seed_copy / "halls.csv").unlink()
    with pytest.raises(SeedsInvalid) as exc:
        load_seeds(seed_copy)
    assert [(p.filename, p.line, p.reason) for p in exc.value.problems] == [
        ("halls.csv", 0, zh("the file is missing."))]


@pytest.mark.django_db
def test_a_file_of_its_header_only_loads_and_leaves_the_rows_there(seeded, seed_copy):
    path = seed_copy / "indicators.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    before = Indicator.objects.count()
    report = load_seeds(seed_copy)
    assert report.counts["indicators.csv"] == {"new": 0, "update": 0, "delete": 0, "skip": 0}
    assert Indicator.objects.count() == before


# --- manage.py load_seeds -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_says_the_seeds_were_loaded_when_a_row_changed(seeded, seed_copy):
    rewrite(seed_copy / "districts.csv", "崂山区,1,002:531", "崂山区,1,002:531（核对）")
    out = io.StringIO()
    call_command("load_seeds", "--dir", str(seed_copy), stdout=out)
    assert zh("Seeds loaded.") in out.getvalue()
    assert District.objects.get(name="崂山区").source == "002:531（核对）"
    assert AuditEntry.objects.filter(action="load_seeds").latest("id").object_repr == str(seed_copy)


@pytest.mark.django_db
def test_the_command_without_a_folder_loads_seeds_and_names_it_so(seeded):
    call_command("load_seeds", stdout=io.StringIO())
    assert AuditEntry.objects.filter(action="load_seeds").latest("id").object_repr == "seeds/"


# --- manage.py seal_audit and plain_text ----------------------------------------------------------------


@pytest.mark.django_db
def test_seal_audit_says_how_many_rows_it_sealed_and_the_chains_head():
    from policyops import audit

    audit.seal_audit()
    audit.record_event(action="calendar_change", object_repr="封链测试")
    out = io.StringIO()
    call_command("seal_audit", stdout=out)
    seq, head = audit.chain_head()
    assert out.getvalue().strip() == zh("Sealed %(count)s row(s). Head: position %(seq)s, hash %(hash)s",
                                        count=1, seq=seq, hash=head)


@pytest.mark.django_db
def test_plain_text_names_the_rows_it_left_because_they_would_repeat_a_unique_value():
    kept, twin = DistrictFactory(name="清洁区"), DistrictFactory(name="孪生区")
    stored(District, twin.pk, name=f"清洁区{ZERO_WIDTH}")  # made plain, it would be 清洁区 too
    out = io.StringIO()
    call_command("plain_text", "--apply", stdout=out)
    assert zh("  left as they are (made plain, they would repeat another row's unique value): keys %(keys)s",
              keys=twin.pk) in out.getvalue()
    assert District.objects.get(pk=kept.pk).name == "清洁区"
