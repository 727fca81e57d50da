#!/usr/bin/env python3
"""Copy GOV.UK Frontend's built files from node_modules into flexbank/web/static/govuk/.

Run after ``npm ci`` whenever package.json changes govuk-frontend's version:

    python scripts/vendor_govuk.py

The copies are committed so that ``pip install flexbank`` ships them (no npm needed
to run the service). flexbank is a council service, not GOV.UK, so:

- the GDS Transport font (for GOV.UK only) is neither copied nor referenced: its
  ``@font-face`` rules are removed and every ``font-family`` falls back to a system
  font stack;
- GOV.UK's images (crown, crest, favicons) are not copied; the pages use their own
  logo and icon in ``flexbank/web/static``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
TARGET = ROOT / "flexbank" / "web" / "static" / "govuk"
SYSTEM_FONTS = (
    'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Liberation Sans",arial,sans-serif'
)


def rebrand_css(css: str) -> str:
    css = re.sub(r"@font-face\{[^}]*\}", "", css)
    css = css.replace("GDS Transport,arial,sans-serif", SYSTEM_FONTS)
    css = css.replace("font-family:GDS Transport", f"font-family:{SYSTEM_FONTS}")
    css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
    if "GDS Transport" in css or "/assets/fonts/" in css:
        raise SystemExit("vendor_govuk: the GDS Transport font is still referenced")
    return css


def main() -> int:
    if not SOURCE.is_dir():
        print(f"{SOURCE} is missing: run `npm ci` first", file=sys.stderr)
        return 1
    version = json.loads((SOURCE.parent.parent / "package.json").read_text())["version"]
    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    css = (SOURCE / "govuk-frontend.min.css").read_text()
    (TARGET / "govuk-frontend.min.css").write_text(rebrand_css(css))
    js = (SOURCE / "govuk-frontend.min.js").read_text()
    js = re.sub(r"//# sourceMappingURL=\S+\s*$", "", js)
    (TARGET / "govuk-frontend.min.js").write_text(js)
    licence = SOURCE.parent.parent / "LICENSE.txt"
    if licence.exists():
        shutil.copy(licence, TARGET / "LICENSE.txt")
    (TARGET / "VERSION").write_text(
        f"govuk-frontend {version}, MIT licence (Crown copyright), built files from npm;\n"
        "fonts and GOV.UK images left out on purpose (see scripts/vendor_govuk.py)\n"
    )
    print(f"govuk-frontend {version} -> {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
