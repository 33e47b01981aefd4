"""The migrations build what the models say, and build it without django-fsm's per-copy receivers."""
import io
import weakref

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import class_prepared

from policyops.fsm import StateField


@pytest.mark.django_db
def test_the_models_need_no_migration_that_is_not_written():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 where one is missing
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_rendering_the_migrations_states_leaves_no_transitions_receiver_behind():
    def state_field_receivers():
        live = (ref() if isinstance(ref, weakref.ReferenceType) else ref for _, ref, *_ in class_prepared.receivers)
        return sum(1 for receiver in live if isinstance(getattr(receiver, "__self__", None), StateField))

    before = state_field_receivers()
    rendered = MigrationLoader(None).project_state().apps  # every model of every app built once more
    assert rendered.get_model("approvals", "ApprovalCase")._meta.get_field("state").protected
    assert state_field_receivers() == before


def test_a_models_state_field_still_collects_its_transitions():
    from approvals.models import ApprovalCase

    names = {t.name for t in ApprovalCase._meta.get_field("state").get_all_transitions(ApprovalCase)}
    assert {"accept", "refuse"} <= names
