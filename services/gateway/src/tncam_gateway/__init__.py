"""tncam_gateway."""
