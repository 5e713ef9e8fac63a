"""``python -m tncam_live``: run the live edge."""

from tncam_live.settings import LiveSettings
from tncam_mesh.settings import settings_or_exit

if __name__ == "__main__":
    # Settings first: a bad one exits 2 at once, before the service's code is imported.
    settings_or_exit(LiveSettings)
    from tncam_live.app import main

    main()
