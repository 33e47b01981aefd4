"""An append-only audit trail written by every service that changes a state."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditQuerySet(models.QuerySet):
    """Rows are added, never rewritten or removed: every bulk path the ORM has is refused.

    On PostgreSQL a trigger refuses the same below the ORM (migration 0007); the one
    UPDATE it lets through is the sealer's (``_seal``), which fills the chain columns.
    """

    def update(self, **kwargs):
        raise PermissionDenied("Audit entries cannot be changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionDenied("Audit entries cannot be changed.")

    def update_or_create(self, *args, **kwargs):
        raise PermissionDenied("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionDenied("Audit entries cannot be deleted.")

    def _raw_delete(self, using):  # the collector's fast delete of related rows
        raise PermissionDenied("Audit entries cannot be deleted.")

    def _seal(self, links: dict[int, tuple[int, str]]) -> int:
        """Set (chain_seq, row_hash) of unsealed rows {id: (seq, hash)}; only policyops.audit.seal_audit calls this."""
        ids = list(links)
        return models.QuerySet.update(
            self.filter(pk__in=ids, chain_seq__isnull=True),
            chain_seq=Case(*(When(pk=pk, then=Value(seq)) for pk, (seq, _h) in links.items()),
                           output_field=models.BigIntegerField()),
            row_hash=Case(*(When(pk=pk, then=Value(digest)) for pk, (_s, digest) in links.items()),
                          output_field=models.CharField()),
        )


class AuditEntry(models.Model):
    """Who did what to which object, when, from which state to which, and why.

    Rows are never changed or deleted through the ORM (see save/delete and AuditQuerySet);
    simple-history keeps field-level history beside it. A row is written unsealed; the
    sealer (policyops.audit.seal_audit) later gives it its place in the hash chain
    (``chain_seq``) and its hash over its content and the previous row's hash, which
    ``manage.py verify_audit`` checks.
    """

    # A record of what was written, sent or issued: manage.py plain_text leaves its text alone.
    keeps_text_as_written = True

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=50)
    # No index of its own: the (content_type, object_id, at) index below leads with it, and every
    # audit row written (two a step) paid for the second one (issue 12).
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT,
                                     db_index=False)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    from_state = models.CharField(_("from state"), max_length=50, blank=True)
    to_state = models.CharField(_("to state"), max_length=50, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # NULL until sealed: the chain is built after commit, so writers never wait on one another.
    chain_seq = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True, editable=False)
    row_hash = models.CharField(_("hash"), max_length=64, null=True, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"]),
            # The sealer's work list, in id order; it holds only the rows not sealed yet.
            models.Index(fields=["id"], condition=Q(chain_seq__isnull=True), name="auditentry_unsealed"),
            # The audit list filtered by an action, newest first: a rare action (取消委托) was found by
            # reading the whole trail backwards by time (183 ms at 2 M rows; issue 12).
            models.Index(fields=["action", "at", "id"], name="auditentry_by_action"),
        ]

    def __str__(self):
        # Local time and the action's label, as the trail's list shows them (the title said "load_seeds" in UTC).
        from policyops.timeline import action_label  # the timeline reads the apps' models: not at import

        label = action_label(self.content_type.model_class() or AuditEntry, self.action)
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.object_repr} {label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit entries cannot be changed.")
        if self.chain_seq is not None or self.row_hash is not None:
            raise PermissionDenied("Audit entries are written unsealed; only the sealer links them.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit entries cannot be deleted.")
