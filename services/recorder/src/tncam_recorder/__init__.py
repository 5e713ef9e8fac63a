"""tncam_recorder."""
