"""The audit service's use cases, one module per area, each taking an ``AuditContext``."""
