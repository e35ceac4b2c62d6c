"""One module per PII type: ``PiiType`` and the placeholder, name and priority tables come from the modules."""

from __future__ import annotations

import pytest

from masking.entities import PiiType, recognizer_names
from masking.recognizers import MODULES, PLACEHOLDERS, PRIORITY, TEXT_RECOGNIZERS


def test_one_module_per_type():
    assert sorted(m.TYPE.value for m in MODULES) == sorted(t.value for t in PiiType)
    assert all(module.__name__ == f"masking.recognizers.{module.TYPE.value}" for module in MODULES)


@pytest.mark.parametrize(("files", "types"), [
    (["passport.py"], ["passport"]),
    (["passport.py", "base.py", "fields.py", "notes.txt"], ["passport"]),
    (["base.py", "fields.py"], []),
    (["bank_card.py", "passport.py"], ["bank_card", "passport"]),
])
def test_a_new_type_is_its_module(tmp_path, files, types):
    for file in files:
        (tmp_path / file).write_text("", encoding="utf-8")
    assert recognizer_names(tmp_path) == types


def test_text_recognisers_are_gathered_highest_priority_first():
    assert [m.PRIORITY for m in TEXT_RECOGNIZERS] == sorted((m.PRIORITY for m in TEXT_RECOGNIZERS), reverse=True)
    assert {m.TYPE for m in MODULES} - {m.TYPE for m in TEXT_RECOGNIZERS} == {PiiType.photo, PiiType.qr_code, PiiType.signature}


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
