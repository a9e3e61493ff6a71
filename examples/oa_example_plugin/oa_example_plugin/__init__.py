"""An example plugin for the OA platform (see the platform's docs/plugins.md)."""
