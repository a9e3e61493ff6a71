"""The process runtime: instances of published definitions routed through their node chains.

Runtime state is relational (instances, node activations, tasks, questions, the audit trail);
node behaviour lives in the node types behind ``plugins.contract``; every change goes through
``commands.Runtime``, one transaction per user action.
"""
