"""``python -m tncam_audit``: run the audit service."""

from tncam_audit.settings import AuditSettings
from tncam_mesh.settings import settings_or_exit

if __name__ == "__main__":
    # Settings first: a bad one exits 2 at once, before the service's code is imported.
    settings_or_exit(AuditSettings)
    from tncam_audit.app import main

    main()
