"""``python -m tncam_ingest``: run the ingest service."""

from tncam_ingest.app import main

if __name__ == "__main__":
    main()
