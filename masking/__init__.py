"""数据脱敏 before committee release (docs/rules.md, "Masking"; 内电高评字〔2024〕1号 §一(四)1(2)).

Decisions the rules encode:
- Masked: the applicant's name, ID number, phone, email, home address and employer unit (from the
  manifest, fuzzily, and by pattern); other people's names by the role the document gives them
  (``zcps/data/roles.yaml``: 校长, 审验人, 单位负责人（签字） …), on the label's line, in the next cell,
  below it or down its column; signing fields where OCR read no name, as signature regions;
  certificate/management numbers after their label; portrait photos; QR codes, whole and undecoded.
  One recogniser module per PII type in ``masking.recognizers``.
- Kept visible: dates, hours, grades (a PII span never covers them), titles, school names (大学/学院/学校
  unless they follow an employer label such as 工作单位), issuing authorities (人力资源和社会保障厅 …),
  approval numbers (批准文号: a public policy document number), and seals as graphics.
- Fail closed: every released page is re-OCR'd (``ZCPS_MASK_VERIFY_MODE``: ``regions`` re-reads the
  areas that should be filled, packed into one image; ``full`` re-reads whole pages) and a document
  where any of the applicant's PII is still legible is withheld (``E_MASK_VERIFY``, finding
  ``masking.withheld``).
- Release names carry no PII: ``NN_{doc_type}_pN.png`` in checklist order (``masking.release_names``),
  and one A4 ``dossier.pdf`` per applicant (``masking.dossier``), withheld whole if its check fails.
"""
