"""Adapters to servers outside the mesh: the SMTP server and the units' webhooks."""
