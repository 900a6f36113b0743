"""Suppliers: who they are and how to reach them (everything above builds on them)."""
