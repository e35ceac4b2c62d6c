"""One recogniser module per PII type (Presidio style); the placeholder and priority tables are
built from the modules' declarations, so each fact is stated once, in its module.

``TEXT_RECOGNIZERS`` run over page text; ``photo`` runs on the image and ``signature`` on the
page layout (``masking.document`` calls them).
"""

from __future__ import annotations

from types import ModuleType

from masking.entities import PiiType
from masking.recognizers import (address, certificate_number, email, id_number, name, other_name, phone, photo,
                                 signature, unit)

MODULES: tuple[ModuleType, ...] = (id_number, phone, email, certificate_number, name, other_name, unit, address,
                                   photo, signature)
TEXT_RECOGNIZERS: tuple[ModuleType, ...] = (id_number, phone, email, certificate_number, name, other_name, unit,
                                            address)
PLACEHOLDERS: dict[PiiType, str] = {module.TYPE: module.PLACEHOLDER for module in MODULES}
NAMES: dict[PiiType, str] = {module.TYPE: module.NAME for module in MODULES}
PRIORITY: dict[PiiType, int] = {module.TYPE: module.PRIORITY for module in MODULES}
