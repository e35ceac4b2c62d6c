"""The placeholder and priority tables come from the recogniser modules, one module per PII type."""

from __future__ import annotations

import pytest

from masking.entities import PiiType
from masking.recognizers import MODULES, PLACEHOLDERS, PRIORITY


def test_one_module_per_type():
    assert sorted(m.TYPE.value for m in MODULES) == sorted(t.value for t in PiiType)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_module_declares_everything(module):
    assert isinstance(module.TYPE, PiiType)
    assert module.PLACEHOLDER.startswith("〔") and module.PLACEHOLDER.endswith("〕")
    assert isinstance(module.PRIORITY, int)
    assert module.NAME and module.NAME.strip() == module.NAME  # the Chinese name a withheld finding uses
    assert module.LABELS and all(isinstance(label, str) and label for label in module.LABELS)
    assert callable(module.find)
    assert PLACEHOLDERS[module.TYPE] == module.PLACEHOLDER and PRIORITY[module.TYPE] == module.PRIORITY


@pytest.mark.parametrize("higher, lower", [
    (PiiType.id_number, PiiType.phone),
    (PiiType.certificate_number, PiiType.name),
    (PiiType.name, PiiType.other_name),
    (PiiType.other_name, PiiType.unit),
    (PiiType.unit, PiiType.address),
])
def test_priorities_order_specific_types_first(higher, lower):
    assert PRIORITY[higher] > PRIORITY[lower]
