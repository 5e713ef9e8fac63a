"""PostgreSQL adapter of the registry (schema ``registry``)."""
