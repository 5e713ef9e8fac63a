"""``python -m tncam_recorder``: run the recorder service."""

from tncam_recorder.app import main

if __name__ == "__main__":
    main()
