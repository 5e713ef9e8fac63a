"""Where the PDFs' font (DejaVu Sans, for Vietnamese) is found: without importing fpdf2, which
the registry loads only when it typesets its first PDF (it is a third of its start-up)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

#: Where Debian's fonts-dejavu-core puts the font; ``TNCAM_PDF_FONT_DIR`` points elsewhere.
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
FONT = "DejaVu"


class FontMissingError(RuntimeError):
    """DejaVu Sans is not installed (Debian package fonts-dejavu-core)."""


@lru_cache(maxsize=1)
def font_files() -> tuple[Path, Path]:
    """The regular and bold DejaVu Sans files."""
    dirs = [os.environ["TNCAM_PDF_FONT_DIR"]] if os.environ.get("TNCAM_PDF_FONT_DIR") else []
    for d in (*dirs, *FONT_DIRS):
        regular, bold = Path(d, "DejaVuSans.ttf"), Path(d, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            return regular, bold
    raise FontMissingError(
        "DejaVuSans.ttf not found (install the Debian package fonts-dejavu-core "
        "or set TNCAM_PDF_FONT_DIR)"
    )
