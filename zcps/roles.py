"""The person-role lexicon (``zcps/data/roles.yaml``), loaded once and shared by every stage.

It sits in the core package because both extraction (which name on a document is the holder's)
and masking (which names belong to other people) read it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict


class RoleLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    holder: tuple[str, ...]
    signer: tuple[str, ...]
    signing_notes: tuple[str, ...]
    holder_sentence_openers: tuple[str, ...]
    other_sentence_openers: tuple[str, ...] = ()
    closer_after_other_name: tuple[str, ...] = ()

    def role_of(self, label: str) -> str | None:
        """"holder", "signer" or None for a label with spaces already removed."""
        if label in self.holder:
            return "holder"
        if label in self.signer or label in self.signing_notes:
            return "signer"
        return None


@lru_cache(maxsize=1)
def role_lexicon() -> RoleLexicon:
    text = resources.files("zcps").joinpath("data/roles.yaml").read_text(encoding="utf-8")
    return RoleLexicon.model_validate(yaml.safe_load(text))
