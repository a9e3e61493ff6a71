"""Node types and field types: one documented contract each (``contract.py``,
``field_contract.py``) and the types that implement them (``node_types/``, ``field_types/``).

Built-in types register through the ``oa_platform.node_types`` and ``oa_platform.field_types``
entry-point groups declared in pyproject.toml, exactly as third-party packages do.
"""
