from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from policyops.audit import chain_head, seal_audit


class Command(BaseCommand):
    help = "Link the committed unsealed audit rows into the hash chain (the periodic task does this every minute)."

    def handle(self, *args, **options):
        count = seal_audit()
        seq, head = chain_head()
        self.stdout.write(_("Sealed %(count)s row(s). Head: position %(seq)s, hash %(hash)s")
                          % {"count": count, "seq": seq, "hash": head})
