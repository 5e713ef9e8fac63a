"""``python -m tncam_audit``: run the audit service."""

from tncam_audit.app import main

if __name__ == "__main__":
    main()
