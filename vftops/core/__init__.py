"""What every domain uses: model base, errors, permissions, audit, scope, pagination."""
