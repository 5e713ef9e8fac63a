"""``python -m tncam_registry``: run the registry service."""

from tncam_registry.app import main

if __name__ == "__main__":
    main()
