"""Inspection reports over the runtime's tables (regulations §8.5: IT inspects the system's
operation and node processing at least once a quarter; overtime found is penalised)."""
