"""``python -m tncam_live``: run the live edge."""

from tncam_live.app import main

if __name__ == "__main__":
    main()
