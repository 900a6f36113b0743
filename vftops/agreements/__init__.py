"""Procurement and supplier agreements (Anskaffelser og avtaleforvaltning)."""
