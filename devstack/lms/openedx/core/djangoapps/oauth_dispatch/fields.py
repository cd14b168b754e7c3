"""A comma-separated list column, standing in for django-mysql's ListCharField."""

from django.db import models


class ListCharField(models.CharField):
    """Stores a list of short strings as "a,b,c"; a plain "a,b" string is stored as given."""

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if isinstance(value, str):
            return [item for item in value.split(",") if item]
        return value

    def get_prep_value(self, value):
        if isinstance(value, (list, tuple)):
            return ",".join(value)
        return value
