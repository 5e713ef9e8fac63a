"""tncam_contracts."""
