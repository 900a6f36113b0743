"""The systems register (see `models`)."""
