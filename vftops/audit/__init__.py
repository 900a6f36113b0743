"""Reading the audit log: evidence for the service owner, auditors and Normen's access logging."""
