"""tncam_mesh."""
