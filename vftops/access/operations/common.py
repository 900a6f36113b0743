"""What the access operations share: the fields of a role its audit events record."""

ROLE_FIELDS = ("name", "description", "is_privileged", "job_functions", "is_active")
