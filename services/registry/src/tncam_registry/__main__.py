"""``python -m tncam_registry``: run the registry service."""

from tncam_mesh.settings import settings_or_exit
from tncam_registry.settings import RegistrySettings

if __name__ == "__main__":
    # Settings first: a bad one exits 2 at once, before the service's code is imported.
    settings_or_exit(RegistrySettings)
    from tncam_registry.app import main

    main()
