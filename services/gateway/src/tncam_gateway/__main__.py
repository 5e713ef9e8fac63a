"""``python -m tncam_gateway``: run the gateway service."""

from tncam_gateway.app import main

if __name__ == "__main__":
    main()
