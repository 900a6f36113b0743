"""Login, users, roles and API tokens (IT-drift: role and access control for vftops itself)."""
