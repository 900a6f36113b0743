"""Organisation and tenancy: municipalities, their units, and who belongs where."""
