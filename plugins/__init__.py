"""Node types: one documented contract and the node types that implement it.

Built-in node types register through the ``oa_platform.node_types`` entry-point group
declared in pyproject.toml, exactly as third-party packages do.
"""
