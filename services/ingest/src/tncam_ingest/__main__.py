"""``python -m tncam_ingest``: run the ingest service."""

import sys

if __name__ == "__main__":
    # Started again at once, before the service's imports, if glibc's tunables are missing.
    from tncam_ingest.media.allocator import exec_with_tunables

    exec_with_tunables([sys.executable, "-m", "tncam_ingest"])  # ADR 0031

    from tncam_ingest.settings import IngestSettings
    from tncam_mesh.settings import settings_or_exit

    # Settings first: a bad one exits 2 at once, before the service's code is imported.
    settings_or_exit(IngestSettings)
    from tncam_ingest.app import main

    main()
