"""The built-in field types, one module each, registered through entry points like any plugin.

Each module says everything about its type: the members a definition may give it, the WTForms
field it is edited with, how its values are stored, computed with, posted and shown.
"""
