"""Agents (代理人): a person on a business trip or on leave names someone to handle their
to-dos for a date range (regulations, first document §3.4, second document §4.4)."""
