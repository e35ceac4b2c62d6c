"""数据脱敏 before committee release (DESIGN §6; notice §一(四)1(2)).

Decisions the rules encode:
- Masked: the applicant's name, ID number, phone, email, home address and employer unit (from the
  manifest, fuzzily, and by pattern); other people's names after a person label (姓名, 审核人, 校（院）长,
  主席 …); certificate/management numbers after their label; portrait photos.
- Kept visible: dates, hours, grades (a PII span never covers them), titles, school names (大学/学院/学校
  unless they follow an employer label such as 工作单位), issuing authorities (人力资源和社会保障厅 …),
  approval numbers (批准文号: a public policy document number), and seals as graphics.
- Fail closed: every released page is re-OCR'd (``ZCPS_MASK_VERIFY_MODE``: ``regions`` re-reads the
  areas that should be filled, packed into one image; ``full`` re-reads whole pages) and a document
  where any of the applicant's PII is still legible is withheld (``E_MASK_VERIFY``, finding
  ``masking.withheld``).
"""
