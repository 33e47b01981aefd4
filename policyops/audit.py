"""Writing the audit trail. Services call ``record`` inside their transaction."""
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from policyops.models import AuditEntry


def record(*, obj, action: str, actor=None, from_state: str = "", to_state: str = "", reason: str = "",
           at=None) -> AuditEntry:
    return AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )


def entries_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
