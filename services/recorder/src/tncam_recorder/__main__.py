"""``python -m tncam_recorder``: run the recorder service."""

from tncam_mesh.settings import settings_or_exit
from tncam_recorder.settings import RecorderSettings

if __name__ == "__main__":
    # Settings first: a bad one exits 2 at once, before the service's code is imported.
    settings_or_exit(RecorderSettings)
    from tncam_recorder.app import main

    main()
