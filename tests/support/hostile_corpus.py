"""The hostile corpus of issue #18: every case as intake objects, with the outcome each must end in.

``build_corpus(store)`` writes one batch: a control applicant copied from ``fixtures/sample`` and
one case per hostile input (bombs, odd image modes, TIFF frames, SVG entities, JavaScript and
hostile PDFs, zip-as-pdf, encrypted PDFs, bad manifests, symlinks, long and odd names, keys with
control characters, reserved unit names, empty folders). Objects whose names the store API refuses
(backslash, newline, symlinks, folder markers) are written beneath it, as a unit's uploader would.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from support.batch_samples import manifest_dict, page_png
from cli.demo import SAMPLE_INTAKE
from support.pdf_samples import encrypted_pdf_bytes
from storage.local import LocalStore
from zcps.resources import font_path

BATCH = "2024"
CONTROL = ("wnt-county", "2024-WN-0003")
UNIT = "hostile"
NAME, ID_NUMBER, PHONE = "张三", "150102198503152317", "13904711234"
OTHER_NAME = "李四"  # what an invisible text layer claims while the scan shows NAME
PII_PAGE = ["专业技术资格证书", f"姓名：{NAME}", f"身份证号：{ID_NUMBER}", "资格名称：工程师"]
LONG_NAME = "长" * 83 + ".jpg"  # 253 bytes: fits a local file name, overflows once ".json" is added
RESERVED_UNITS = ("state", "pseudonyms", "reports", "batch", "decisions", "units")


@dataclass(frozen=True)
class Expect:
    """The outcome of one intake object (``key`` below intake/{batch}/) or of one applicant's review."""

    case: str
    key: str
    status: str  # ledger status: done | failed | ignored; or "review" for an applicant-level outcome
    code: str | None = None  # ledger error code, or the rule id the review must hold


@dataclass
class Corpus:
    expects: list[Expect] = field(default_factory=list)
    applicants: list[tuple[str, str]] = field(default_factory=list)  # every applicant folder
    pii: set[str] = field(default_factory=set)  # names, ID numbers and phones of every applicant


def _png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _page_image(lines: list[str]) -> Image.Image:
    return Image.open(io.BytesIO(page_png(lines, (900, 320)))).convert("L")


def png_16bit(lines: list[str]) -> bytes:
    return _png(_page_image(lines).convert("I;16"))


def jpeg_cmyk(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    _page_image(lines).convert("CMYK").save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def tiff_frames(pages: list[list[str]]) -> bytes:
    frames = [_page_image(lines) for lines in pages]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A valid PNG header claiming side × side pixels (900 M): refused from the header, never decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


SVG_ENTITIES = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
                b'<!ENTITY c "&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>')


def zip_as_pdf() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scan.pdf", b"%PDF-1.7 inside a zip")
    return buffer.getvalue()


def _raw_pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def javascript_pdf() -> bytes:
    content = b"BT /F1 24 Tf 72 700 Td (Certificate of attendance) Tj ET"
    return _raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /S /JavaScript /JS (app.alert\\('x'\\); this.exportDataObject\\({cName: 'a'}\\);) >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def _canvas(buffer: io.BytesIO) -> canvas.Canvas:
    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(font_path("hei")), subfontIndex=0))
    return canvas.Canvas(buffer, invariant=1)


def invisible_text_layer_pdf() -> bytes:
    """A scan (an image of the page) under an invisible OCR text layer that says something else."""
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    pdf = _canvas(buffer)
    pdf.drawImage(ImageReader(io.BytesIO(page_png(PII_PAGE, (1000, 400)))), 36, 400, width=540, height=216)
    text = pdf.beginText(72, 200)
    text.setTextRenderMode(3)
    text.setFont("WQY", 16)
    for line in ["专业技术资格证书", f"姓名：{OTHER_NAME}", "资格名称：助理工程师"]:
        text.textLine(line)
    pdf.drawText(text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def rotated_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = _canvas(buffer)
    pdf.setPageRotation(90)
    pdf.setFont("WQY", 16)
    for i, line in enumerate(PII_PAGE):
        pdf.drawString(72, 760 - 28 * i, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _manifest(applicant: str, files: list[str], **overrides) -> bytes:
    return json.dumps(manifest_dict(applicant, files, **overrides), ensure_ascii=False).encode()


def put_raw(store, key: str, data: bytes) -> None:
    """Write an object under a name the zcps store API refuses, the way an uploader would."""
    if isinstance(store, LocalStore):
        path = store.root.joinpath(*key.rstrip("/").split("/"))
        if key.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    area, _, name = key.partition("/")
    store.client.put_object(store.bucket_for(area), name, io.BytesIO(data), len(data))


def put_control(store) -> None:
    unit, applicant = CONTROL
    folder = SAMPLE_INTAKE / unit / applicant
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        store.put(f"intake/{BATCH}/{unit}/{applicant}/{path.relative_to(folder).as_posix()}", path.read_bytes())


def control_pii() -> set[str]:
    manifest = json.loads((SAMPLE_INTAKE.joinpath(*CONTROL) / "manifest.json").read_text(encoding="utf-8"))
    return {value for value in (manifest["name"], manifest["id_number"], manifest.get("phone")) if value}


# Documents of the applicant hostile/H-FILES: file name → (bytes, ledger status, code).
FILE_CASES = {
    "01_bomb.png": (png_bomb, "failed", "E_LIMIT"),
    "02_16bit.png": (lambda: png_16bit(PII_PAGE), "done", None),
    "03_cmyk.jpg": (lambda: jpeg_cmyk(PII_PAGE), "done", None),
    "04_frames.tif": (lambda: tiff_frames([PII_PAGE, PII_PAGE[:2]]), "done", None),
    "05_entities.svg": (lambda: SVG_ENTITIES, "failed", "E_UNSUPPORTED_TYPE"),
    "06_script.pdf": (javascript_pdf, "done", None),
    "07_zip.pdf": (zip_as_pdf, "failed", "E_CORRUPT_FILE"),  # says PDF by name, cannot be decoded as one
    "08_encrypted.pdf": (encrypted_pdf_bytes, "failed", "E_ENCRYPTED_PDF"),
    "09_empty.jpg": (lambda: b"", "failed", "E_EMPTY_FILE"),
    LONG_NAME: (lambda: page_png(PII_PAGE, (900, 320)), "done", None),
    "odd name （扫描件）①.png": (lambda: page_png(PII_PAGE[:2], (900, 320)), "done", None),
    "-leading-dash.png": (lambda: page_png(PII_PAGE[:1], (900, 320)), "done", None),
}
# PDFs whose text layer is not what the page shows (invisible OCR layer, /Rotate 90): read from the rendered page.
VISIBLE_CONTENT_PDFS = {
    "20_invisible_layer.pdf": invisible_text_layer_pdf,
    "21_rotate90.pdf": rotated_pdf,
}
# Objects the store API refuses or intake ignores, below hostile/H-FILES: key tail → (status, code).
RAW_CASES = {
    "docs/back\\slash.png": ("failed", "E_BAD_KEY"),
    "docs/new\nline.png": ("failed", "E_BAD_KEY"),
    "docs/.DS_Store": ("ignored", "IGNORED_OS_FILE"),
    "docs/Thumbs.db": ("ignored", "IGNORED_OS_FILE"),
    "docs/.zcps-upload-1.png": ("ignored", "IGNORED_RESERVED_NAME"),
    "notes.txt": ("failed", "E_LAYOUT"),
}


def build_corpus(store, *, local: bool) -> Corpus:
    corpus = Corpus(pii={NAME, ID_NUMBER, PHONE, OTHER_NAME} | control_pii())
    put_control(store)
    corpus.applicants.append(CONTROL)
    prefix = f"intake/{BATCH}/"

    files = f"{UNIT}/H-FILES"
    store.put(f"{prefix}{files}/manifest.json", _manifest("H-FILES", [*FILE_CASES, *VISIBLE_CONTENT_PDFS]))
    corpus.applicants.append((UNIT, "H-FILES"))
    for name, (make, status, code) in FILE_CASES.items():
        put_raw(store, f"{prefix}{files}/docs/{name}", make())  # as uploaded: the 253-byte name too
        corpus.expects.append(Expect(name, f"{files}/docs/{name}", status, code))
    for name, make in VISIBLE_CONTENT_PDFS.items():
        store.put(f"{prefix}{files}/docs/{name}", make())
        corpus.expects.append(Expect(name, f"{files}/docs/{name}", "done", None))
    for tail, (status, code) in RAW_CASES.items():
        put_raw(store, f"{prefix}{files}/{tail}", page_png(PII_PAGE[:1]))
        corpus.expects.append(Expect(tail, f"{files}/{tail}", status, code))
    put_raw(store, f"{prefix}loose.pdf", b"%PDF-1.7 loose")
    corpus.expects.append(Expect("loose object", "loose.pdf", "failed", "E_LAYOUT"))

    def applicant(name: str, manifest: bytes | None, rule: str, docs: dict[str, bytes] | None = None) -> None:
        if manifest is not None:
            store.put(f"{prefix}{UNIT}/{name}/manifest.json", manifest)
        for file, data in (docs or {}).items():
            store.put(f"{prefix}{UNIT}/{name}/docs/{file}", data)
        corpus.applicants.append((UNIT, name))
        corpus.expects.append(Expect(name, f"{UNIT}/{name}", "review", rule))

    deep = b'{"schema": "zcps.manifest/1", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    applicant("H-DEEP", deep, "manifest.invalid")
    applicant("H-NOTJSON", b"{not json", "manifest.invalid")
    applicant("H-BADTYPE", _manifest("H-BADTYPE", [], target_level="特级"), "manifest.invalid")
    for label, char in (("BEL", "\x07"), ("RLO", "\u202e"), ("ESC", "\x1b[2J")):
        applicant(f"H-{label}", _manifest(f"H-{label}", [], name=f"张{char}三"), "manifest.invalid")
    applicant("H-ABSENT", _manifest("H-ABSENT", ["01_missing.png", "02_present.jpg"]), "docs.declared_absent",
              {"02_present.jpg": b""})
    applicant("H-NOMANIFEST", None, "manifest.invalid", {"01_empty.jpg": b""})
    if local:
        # S3 has no folders; rclone keeps no folder-marker objects, so this case exists on disk only.
        put_raw(store, f"{prefix}{UNIT}/H-EMPTY/", b"")
        corpus.applicants.append((UNIT, "H-EMPTY"))
        corpus.expects.append(Expect("empty folder", f"{UNIT}/H-EMPTY", "review", "manifest.invalid"))
        outside = Path(store.root).parent / "outside-manifest.json"
        outside.write_bytes(_manifest("H-SYMLINK", []))
        folder = store.root / "intake" / BATCH / UNIT / "H-SYMLINK"
        folder.mkdir(parents=True)
        os.symlink(outside, folder / "manifest.json")
        corpus.applicants.append((UNIT, "H-SYMLINK"))
        corpus.expects.append(Expect("manifest symlink", f"{UNIT}/H-SYMLINK", "review", "manifest.invalid"))
        corpus.expects.append(Expect("manifest symlink key", f"{UNIT}/H-SYMLINK/manifest.json", "failed", "E_BAD_KEY"))
    for unit in RESERVED_UNITS:
        store.put(f"{prefix}{unit}/R-{unit}/manifest.json", _manifest(f"R-{unit}", ["01_empty.jpg"]))
        store.put(f"{prefix}{unit}/R-{unit}/docs/01_empty.jpg", b"")  # fails at once: no OCR needed
        corpus.applicants.append((unit, f"R-{unit}"))
        corpus.expects.append(Expect(f"unit {unit}", f"{unit}/R-{unit}/docs/01_empty.jpg", "failed", "E_EMPTY_FILE"))
        corpus.expects.append(Expect(f"unit {unit} review", f"{unit}/R-{unit}", "review", "file.unreadable"))
    return corpus
