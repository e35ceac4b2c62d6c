"""Declared vs extracted values, identity, low-confidence reads, unreadable files and PDF text layers that
disagree with their pages — all ``review``.

Names are compared exactly (after removing spaces): a name one character away may belong to another
person, so it is never silently accepted; the message says when the difference could be OCR noise.
ID numbers are compared exactly after normalising the check character X/x.
"""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from validators.certainty import declared_candidate_note
from validators.engine import FindingMaker, doc_name
from validators.evidence import Fact, Facts, document_path, field_evidence
from validators.periods import same_at_coarser_precision
from validators.schema import RuleSet
from zcps import idcard
from zcps.manifest import Manifest
from zcps.models import DocumentResult, Evidence, Finding, Status, TextLayer


def _name(value: str) -> str:
    return "".join(value.split())


def _id_number(value: str) -> str:
    return "".join(value.split()).upper()


def _holder_name(result: DocumentResult, manifest: Manifest, rules: RuleSet, maker: FindingMaker) -> list[Finding]:
    """Only a name read as the holder's, with confidence, is compared; a signatory's never is. Any
    other differing name is "unknown": noted once per document, never a mismatch."""
    name = result.extraction.fields.get("name")
    if name is None or not name.value or name.role == "signer":
        return []
    if _name(str(name.value)) == _name(manifest.name):
        return []  # a reading that agrees leaves nothing to doubt, however it was found
    kind, file, spec = doc_name(result.extraction.doc_type.value), document_path(result), rules.certainty
    if name.role != "holder" or name.confidence < spec.holder_name_confidence:
        reason = spec.doubts.no_holder_label if name.role != "holder" else \
            spec.doubts.low_confidence.format(confidence=f"{name.confidence:.2f}")
        return [maker.make("identity.name_unknown", evidence=field_evidence(result, name), doc_name=kind,
                           file=file, reason=reason)]
    return [maker.make("identity.name_mismatch", declared=manifest.name, extracted=name.value,
                       evidence=field_evidence(result, name), doc_name=kind, file=file)]


def identity(manifest: Manifest, documents: list[DocumentResult], rules: RuleSet,
             maker: FindingMaker) -> list[Finding]:
    findings = []
    for result in documents:
        if result.status is Status.failed or result.extraction is None:
            continue
        fields, kind = result.extraction.fields, doc_name(result.extraction.doc_type.value)
        file = document_path(result)
        findings += _holder_name(result, manifest, rules, maker)
        number = fields.get("id_number")
        if number is not None and number.value and _id_number(str(number.value)) != _id_number(manifest.id_number):
            findings.append(_id_finding(_id_number(str(number.value)), manifest, rules, maker,
                                        evidence=field_evidence(result, number), doc_name=kind, file=file))
    return findings


def _id_finding(extracted: str, manifest: Manifest, rules: RuleSet, maker: FindingMaker, **context) -> Finding:
    edits = Levenshtein.distance(extracted, _id_number(manifest.id_number))
    valid = idcard.is_valid(extracted)
    if not valid and edits <= rules.certainty.id_misread_edits:
        return maker.make("identity.id_unknown", declared=manifest.id_number, extracted=extracted, edits=edits,
                          **context)
    note = ("（号码校验位无效，可能为识别误差）" if not valid
            else "（仅相差一位，请核对是否为识别误差）" if edits == 1 else "")
    return maker.make("identity.id_mismatch", declared=manifest.id_number, extracted=extracted, note=note, **context)


def _same(first: str, second: str) -> bool:
    return first == second


def declared_vs_extracted(manifest: Manifest, facts: Facts, rules: RuleSet, maker: FindingMaker) -> list[Finding]:
    def _compare(rule: str, what: str, declared: str | None, fact: Fact | None, *, dates: bool = False
                 ) -> list[Finding]:
        if declared is None or fact is None or not fact.from_document:
            return []
        agree = same_at_coarser_precision if dates else _same
        if agree(declared, str(fact.value)):
            return []
        return [maker.make(rule, declared=declared, extracted=str(fact.value), evidence=fact.evidence, what=what,
                           doc_name=doc_name(fact.doc_type or "other"),
                           candidate=declared_candidate_note(declared, fact, rules, agree))]

    education, title, skill = manifest.education, manifest.current_title, manifest.skill
    findings = [
        *_compare("declared.level_mismatch", "学历", education.level, facts.education_level),
        *_compare("declared.level_mismatch", "学位", education.degree, facts.degree),
        *_compare("declared.date_mismatch", "毕业时间", education.graduated_on, facts.graduated_on, dates=True),
        *_compare("declared.level_mismatch", "现有职称层级", title and title.level, facts.title_level),
        *_compare("declared.date_mismatch", "职称取得时间", title and title.obtained_on, facts.title_on,
                  dates=True),
        *_compare("declared.level_mismatch", "职业资格等级", skill and skill.level, facts.skill_level),
        *_compare("declared.date_mismatch", "职业资格取得时间", skill and skill.obtained_on, facts.skill_on,
                  dates=True),
    ]
    green_items = [p.split(":")[1] for p in manifest.paths if p.startswith("green_channel:")]
    if green_items:
        findings += _compare("declared.level_mismatch", "绿色通道项目", green_items[0], facts.green_channel_item)
    for year, grade in sorted(facts.assessments.items()):
        declared = manifest.assessments.get(str(year))
        if declared is not None and declared != str(grade.value):
            findings.append(maker.make("declared.grade_mismatch", declared=declared, extracted=grade.value,
                                       evidence=grade.evidence, year=year))
    for year, record in sorted(facts.ce_years.items()):
        declared = manifest.ce_hours.get(str(year))
        if declared is None:
            continue
        pairs = ((declared.public, record.public_hours), (declared.professional, record.professional_hours))
        if any(got is not None and abs(want - got) > 0.01 for want, got in pairs):
            findings.append(maker.make(
                "declared.hours_mismatch", year=year, evidence=record.evidence,
                declared=f"公需{declared.public:g}/专业{declared.professional:g}",
                extracted=f"公需{record.public_hours or 0:g}/专业{record.professional_hours or 0:g}"))
    return findings


RULE_FIELDS = {"education_level": "学历", "degree": "学位", "graduated_on": "毕业时间", "title_level": "职称层级",
               "title_on": "职称取得时间", "skill_level": "职业资格等级", "skill_on": "职业资格取得时间",
               "green_channel_item": "绿色通道项目"}


def low_confidence(facts: Facts, threshold: float, maker: FindingMaker) -> list[Finding]:
    """Only fields the rules use: a weak read elsewhere does not change the outcome."""
    used: list[tuple[str, Fact]] = [(label, getattr(facts, attr)) for attr, label in RULE_FIELDS.items()]
    used += [(f"{year}年度考核结果", grade) for year, grade in sorted(facts.assessments.items())]
    findings = []
    for label, fact in used:
        if fact is not None and fact.from_document and fact.confidence < threshold:
            findings.append(maker.make("extract.low_confidence", extracted=fact.value, evidence=fact.evidence,
                                       doc_name=doc_name(fact.doc_type or "other"), file=fact.file, field=label,
                                       confidence=f"{fact.confidence:.2f}"))
    for year, record in sorted(facts.ce_years.items()):
        if record.confidence < threshold:
            findings.append(maker.make("extract.low_confidence", extracted=f"{record.total:g}",
                                       evidence=record.evidence, doc_name=doc_name("ce_card"), file=record.file,
                                       field=f"{year}年度学时", confidence=f"{record.confidence:.2f}"))
    return findings


def unreadable_files(documents: list[DocumentResult], maker: FindingMaker) -> list[Finding]:
    findings = []
    for result in documents:
        if result.status is not Status.failed:
            continue
        code = result.errors[0].code if result.errors else "E_INTERNAL"
        findings.append(maker.make("file.unreadable", extracted=code, file=document_path(result), code=code,
                                   evidence=Evidence(document=document_path(result))))
    return findings


def text_layer_mismatches(documents: list[DocumentResult], maker: FindingMaker) -> list[Finding]:
    """A PDF whose visible text layer says something other than its rendered page (extractors.spot_check):
    the page was read from its image, but a text layer that disagrees with what it shows may be altered."""
    findings = []
    for result in documents:
        pages = [page.number for page in result.pages if page.text_layer is TextLayer.disagrees]
        if result.status is Status.done and pages:
            doc_type = result.extraction.doc_type.value if result.extraction else "other"
            findings.append(maker.make("extract.text_layer_mismatch", extracted=TextLayer.disagrees.value,
                                       doc_name=doc_name(doc_type), file=document_path(result),
                                       pages="、".join(map(str, pages)),
                                       evidence=Evidence(document=document_path(result), page=pages[0])))
    return findings
