"""Field values in the two forms the platform uses: stored and expression.

An instance stores JSON (money as a string with two decimals, dates as ISO text, empty as
null); expressions work on Python values (``Decimal`` for every number, ``date``/``datetime``,
``Table`` for tables). Each field type converts its own values (``plugins/field_types/``,
one module a type); the functions here ask the field's type:

- ``expression_value(field, stored)``: the expression value (None when empty);
- ``expression_values(fields, stored)``: an expression's name space, every field with a
  value (not sections) by key;
- ``sample_value(field)``: a non-empty value of the field's type, for publish-time checks;
- ``to_stored(field, value)``: the stored form of an expression value (None stays None),
  e.g. money rounded half up to cents and kept as text.
"""

from __future__ import annotations

from plugins.field_contract import Table
from plugins.fields import expression_value, expression_values, sample_value
from plugins.fields import from_expression as to_stored

__all__ = ["Table", "expression_value", "expression_values", "sample_value", "to_stored"]
