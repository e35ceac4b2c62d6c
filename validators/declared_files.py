"""Files the manifest lists but the applicant folder does not hold: each is named in a finding."""

from __future__ import annotations

from validators.engine import FindingMaker
from validators.schema import RuleSet
from zcps.manifest import Manifest
from zcps.models import Evidence, Finding


def declared_absent(manifest: Manifest, present: set[str], rules: RuleSet) -> list[Finding]:
    """``present`` holds the paths below the applicant folder (``docs/…``) of every object intake listed."""
    maker = FindingMaker(rules)
    absent = sorted({d.file for d in manifest.documents} - present)
    return [maker.make("docs.declared_absent", file=file, evidence=Evidence(document=file)) for file in absent]
