"""Sample scenarios of Bury's flex bank, on real Bury places (see :mod:`.generator`).

The places come from open data shipped in ``flexbank/data/bury``; keep
:data:`ATTRIBUTION` wherever generated scenarios are shipped or shown.
"""

from __future__ import annotations

from flexbank.sample.bury import ATTRIBUTION, care_homes, postcodes, source_notes
from flexbank.sample.generator import DEFAULT_START, Mix, generate, generate_dict
from flexbank.sample.version2 import add_version_2, as_version_1

__all__ = [
    "ATTRIBUTION",
    "DEFAULT_START",
    "Mix",
    "add_version_2",
    "as_version_1",
    "care_homes",
    "generate",
    "generate_dict",
    "postcodes",
    "source_notes",
]
