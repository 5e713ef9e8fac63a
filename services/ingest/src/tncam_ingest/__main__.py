"""``python -m tncam_ingest``: run the ingest service."""

from tncam_ingest.settings import IngestSettings
from tncam_mesh.settings import settings_or_exit

if __name__ == "__main__":
    # Settings first: a bad one exits 2 at once, before the service's code is imported.
    settings_or_exit(IngestSettings)
    from tncam_ingest.app import main

    main()
