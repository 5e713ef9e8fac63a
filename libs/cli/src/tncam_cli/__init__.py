"""The ``tncam`` command line."""
