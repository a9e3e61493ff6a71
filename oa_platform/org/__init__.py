"""The company's organisation: companies, departments, positions (regulations §2, seed 2 §2)."""
