"""tncam_ingest."""
