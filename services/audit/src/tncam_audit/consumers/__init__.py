"""NATS consumers of the audit service."""
