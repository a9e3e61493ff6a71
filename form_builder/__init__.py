"""Design time: the definition format and its JSON Schema, the publish-time validator, the
compiler from definition metadata to WTForms classes, and the review/publish lifecycle.

Depends on Flask-AppBuilder, WTForms and SQLAlchemy only; never on the runtime
(``oa_platform``), so a definition can be validated and compiled without a running engine.
"""
