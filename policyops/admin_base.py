"""What every PolicyOps ModelAdmin shares: history without reverts, the audit trail."""
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from policyops.audit import entries_for


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin with reverts refused.

    A revert would write states and fields directly, around the services and their
    audit. SIMPLE_HISTORY_REVERT_DISABLED only hides the button; the POST is refused here.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """For records only services write (logs, trails, snapshots): nothing added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def audit_trail_html(obj, css_class: str = "audit-trail"):
    """The object's audit entries (time, actor, action, from→to, reason) as a small table."""
    rows = [(f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}",
             (e.actor.get_full_name() or e.actor.username) if e.actor else "—", e.action,
             f"{e.from_state}→{e.to_state}" if e.from_state or e.to_state else "", e.reason)
            for e in entries_for(obj).order_by("at", "id")] if obj.pk else []
    if not rows:
        return "—"
    return format_html('<table class="{}"><tbody>{}</tbody></table>', css_class, format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows))
