"""tncam_registry."""
