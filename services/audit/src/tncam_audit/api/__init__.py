"""Request/reply operations of the audit service (NATS micro endpoints)."""
