"""``python -m tncam_gateway``: run the gateway service."""

from tncam_gateway.settings import GatewaySettings
from tncam_mesh.settings import settings_or_exit

if __name__ == "__main__":
    # Settings first: a bad one exits 2 at once, before the service's code is imported.
    settings_or_exit(GatewaySettings)
    from tncam_gateway.app import main

    main()
