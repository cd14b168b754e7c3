"""Django's database cache, for counters that every worker and replica share.

django-ratelimit counts with `add` then `incr`. Django's database cache increments by reading
the value, then writing it back: two requests at once would both read 5 and both write 6, and a
burst would count as fewer requests than it was. Here the increment holds the counter's row
for the whole read and write.
"""

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class CounterCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        with transaction.atomic(using=db):
            self._lock_row(connections[db], self.make_and_validate_key(key, version=version))
            return super().incr(key, delta, version)

    def _lock_row(self, connection, key: str) -> None:
        # SQLite: the app's transactions begin IMMEDIATE, which already takes the database's
        # write lock. MySQL: lock the row; the plain read that follows then sees its last value.
        if not connection.features.has_select_for_update:
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('cache_key')} FROM {quote(self._table)} "
                f"WHERE {quote('cache_key')} = %s FOR UPDATE",
                [key],
            )
