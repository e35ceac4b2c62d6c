"""One recogniser module per PII type (Presidio style), registered by being there: ``PiiType`` has a
member per module (``masking.entities``), and the placeholder, name and priority tables are built from
the modules' declarations, so each fact is stated once, in its module.

``TEXT_RECOGNIZERS`` run over page text; a module declaring ``RUNS_ON`` runs elsewhere: ``photo`` and
``qr_code`` on the image and ``signature`` on the page layout (``masking.document`` calls them).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from masking.entities import PiiType

# Every PII type's module, the highest priority first (the order text candidates are gathered in).
MODULES: tuple[ModuleType, ...] = tuple(sorted(
    (importlib.import_module(f"{__name__}.{kind.value}") for kind in PiiType),
    key=lambda module: (-module.PRIORITY, module.__name__)))
TEXT_RECOGNIZERS: tuple[ModuleType, ...] = tuple(
    module for module in MODULES if getattr(module, "RUNS_ON", "text") == "text")
PLACEHOLDERS: dict[PiiType, str] = {module.TYPE: module.PLACEHOLDER for module in MODULES}
NAMES: dict[PiiType, str] = {module.TYPE: module.NAME for module in MODULES}
PRIORITY: dict[PiiType, int] = {module.TYPE: module.PRIORITY for module in MODULES}
