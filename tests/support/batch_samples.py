"""Small synthetic batches for flow tests: clean rendered pages OCR reads quickly, and manifests."""

from __future__ import annotations

import io
import json

from PIL import Image, ImageDraw, ImageFont

from zcps.resources import font_path

BATCH = "2024"
TITLE_PAGE = ["专业技术资格证书", "资格名称：助理工程师", "取得资格时间：2016年12月28日"]


def page_png(lines: list[str], size: tuple[int, int] = (760, 300)) -> bytes:
    """A small, clean page: OCR reads it in well under a second."""
    image = Image.new("L", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_path("hei")), 32)
    for i, text in enumerate(lines):
        draw.text((40, 30 + 60 * i), text, font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def manifest_dict(applicant: str, documents: list[str], **overrides) -> dict:
    return {
        "schema": "zcps.manifest/1", "applicant_id": applicant, "name": "张三", "id_number": "150102198503152317",
        "phone": "13904711234", "email": None, "address": "呼和浩特市赛罕区大学东街1号",
        "unit": "内蒙古电力（集团）有限责任公司呼和浩特供电分公司", "unit_location": "city", "sector": "public",
        "series": "电力工程", "target_level": "中级",
        "education": {"level": "本科", "degree": "学士", "graduated_on": "2012-07-01", "specialty_related": True},
        "technical_work_start": "2012-07-15",
        "current_title": {"level": "助理级", "name": "助理工程师", "obtained_on": "2016-12-28", "series": "电力工程"},
        "paths": ["standard"], "assessments": {"2021": "称职", "2022": "称职", "2023": "称职"},
        "documents": [{"file": f"docs/{name}", "declared_type": "other"} for name in documents],
        **overrides,
    }


def put_applicant(store, unit: str, applicant: str, pages: dict[str, list[str]],
                  size: tuple[int, int] = (760, 300), **overrides) -> None:
    prefix = f"intake/{BATCH}/{unit}/{applicant}"
    store.put(f"{prefix}/manifest.json",
              json.dumps(manifest_dict(applicant, list(pages), **overrides), ensure_ascii=False).encode())
    for name, lines in pages.items():
        store.put(f"{prefix}/docs/{name}", page_png(lines, size))


def small_batch(store, applicants: int = 2, pages: int = 2, size: tuple[int, int] = (760, 300)) -> None:
    for number in range(1, applicants + 1):
        put_applicant(store, "u1", f"A{number}",
                      {f"0{page}_title.png": TITLE_PAGE[:page + 1] for page in range(1, pages + 1)}, size)
