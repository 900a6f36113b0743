"""Supplier agreements: owners, prices, deadlines, service levels, deviations, supplier
meetings, evaluation and handover (Anskaffelser og avtaleforvaltning)."""
