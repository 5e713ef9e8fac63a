"""tncam_live."""
