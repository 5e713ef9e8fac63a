"""tncam_audit."""
