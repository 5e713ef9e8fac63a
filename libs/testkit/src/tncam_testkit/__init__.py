"""tncam_testkit."""
