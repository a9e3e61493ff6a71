"""User accounts and the regulations' account rules (§4, §6.2; seed 2 §5, §6.4)."""
