from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from policyops import audit
from policyops.seeding import SeedsInvalid, load_seeds


def counts_summary(counts: dict[str, dict[str, int]]) -> str:
    """The audit row's reason: per file, its counts as codes (the row stays language-neutral)."""
    return "; ".join(f"{name} " + " ".join(f"{k}={v}" for k, v in c.items()) for name, c in counts.items())


class Command(BaseCommand):
    help = "Load seeds/ (the data transcribed from the sources). Idempotent; all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Folder with the seed CSV files (default: seeds/).")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():  # the load and its audit row commit together
                report = load_seeds(options.get("dir"))
                audit.record_event(action="load_seeds", object_repr=str(options.get("dir") or "seeds/"),
                                   reason=counts_summary(report.counts))
        except SeedsInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(_("Seeds not loaded: %(count)s problem(s); nothing was written.")
                               % {"count": len(exc.problems)}) from None
        for filename, counts in report.counts.items():
            self.stdout.write(_("%(file)s: %(new)s new, %(update)s updated, %(skip)s unchanged")
                              % {"file": filename, **counts})
        if report.changed:
            self.stdout.write(self.style.SUCCESS(_("Seeds loaded.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Seeds were already up to date; nothing changed.")))
