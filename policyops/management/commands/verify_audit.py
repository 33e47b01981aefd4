from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from policyops.audit import seal_audit, verify_chain


class Command(BaseCommand):
    help = ("Check the audit trail's hash chain: 'OK, N rows' (exit 0) or the first broken link (exit 1). "
            "Also reports the rows not sealed yet.")

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true",
                            help="Seal the committed unsealed rows first (what the periodic task does).")

    def handle(self, *args, **options):
        if options["seal"]:
            self.stdout.write(_("Sealed %(count)s row(s).") % {"count": seal_audit()})
        report = verify_chain()
        if report.unsealed:
            now = timezone.now()
            minutes = int((now - report.oldest_unsealed).total_seconds() // 60)
            self.stdout.write(_("%(count)s row(s) not sealed yet; the oldest is from %(at)s (%(minutes)s minute(s) "
                                "ago).") % {"count": report.unsealed, "minutes": minutes,
                                            "at": timezone.localtime(report.oldest_unsealed).isoformat()})
        broken = report.broken
        if broken is not None:
            at = timezone.localtime(broken.at).isoformat()
            if broken.kind == "gap":
                message = _("Broken at chain position %(expected)s: it is missing (a sealed row was deleted); "
                            "the next row is id %(id)s (%(at)s, position %(seq)s).")
            else:
                message = _("Broken at row id %(id)s (%(at)s, chain position %(seq)s): its content, or the hash "
                            "of the row before it, differs from what was sealed.")
            raise CommandError(message % {"expected": broken.expected_seq, "id": broken.row_id, "at": at,
                                          "seq": broken.chain_seq}, returncode=1)
        self.stdout.write(self.style.SUCCESS(_("OK, %(count)s rows") % {"count": report.rows}))
        if report.rows:
            self.stdout.write(_("Head: position %(seq)s, hash %(hash)s") % {"seq": report.head_seq,
                                                                           "hash": report.head_hash})
