"""Enterprise messenger bots for the OA platform's notices (see README.md)."""
