"""``python -m tncam_testkit.standby SERVICE READY_FILE``: a service's process, imported, waiting.

The fault suite restarts a SIGKILLed service as a Deployment's controller would; on the loaded
2-core machine the new interpreter's imports alone take 7-22 s, which measure the machine, not
the service. A standby imports ``tncam_<SERVICE>.app`` ahead of time, touches ``READY_FILE``
and waits for a line on its stdin (a JSON object: its environment from then on, so that a
standby can be spawned before the settings exist); then it runs ``python -m tncam_<SERVICE>``
in the same process, so everything the service does at start (settings, connections, stream
and consumer declarations, readiness) still happens after the kill. End of input: it exits.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
from pathlib import Path


def main() -> None:
    service, ready_file = sys.argv[1], Path(sys.argv[2])
    importlib.import_module(f"tncam_{service}.app")
    ready_file.touch()
    line = sys.stdin.readline()
    if not line:
        return
    env = json.loads(line)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = [f"tncam_{service}"]
    runpy.run_module(f"tncam_{service}", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
