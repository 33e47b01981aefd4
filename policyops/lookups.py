"""``in`` on an integer column leaves out the values no row can hold.

Django 5.0 made ``exact`` and the range lookups of an integer outside the column's range find
nothing (django.db.models.lookups.IntegerFieldOverflow); ``in`` still sends such a value, and
SQLite raises OverflowError. A form's many-to-many choices posted with a 20-digit key (the
entrustment's powers, a user's groups) answered with a 500 on a laptop's SQLite; PostgreSQL
found nothing, which is what this lookup gives both.
"""
from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            # Filtering again when the query is compiled once more (a count, then the rows) is harmless.
            self.rhs = [value for value in self.rhs if not isinstance(value, int) or (
                (low is None or value >= low) and (high is None or value <= high))]
        return super().process_rhs(compiler, connection)
