"""zcps: applicant-materials pipeline for professional title review (职称评审)."""

__version__ = "0.1.0"
