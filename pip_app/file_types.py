"""What an uploaded file is, read from its content rather than its name, and the names it is
shown and downloaded under. Pure: bytes and strings in, a `FileKind` or a `Refusal` out.

The evidence a plan rests on comes as PDF, PNG, JPEG, Word (DOCX), Excel (XLSX), CSV and plain
text; nothing else is taken. The type is decided by the bytes:

- PDF, PNG and JPEG by their magic numbers (`filetype`, pinned; no native dependencies);
- DOCX and XLSX are ZIP containers: the container must hold `[Content_Types].xml` naming a Word
  document or an Excel workbook (a macro-enabled .docm/.xlsm names a different main part and is
  refused), so a renamed ZIP, JAR or APK is not taken;
- CSV and plain text have no magic number: the bytes must decode as UTF-8 (a byte-order mark
  allowed), hold no NUL or other control characters, and not open like HTML, XML or a script.

A name's extension must agree with the content (a `.pdf` holding HTML or a program is refused,
naming what it holds); a name without a usable extension takes the content's. The size limit is
the caller's (a setting, checked before the request is read: see `requests`).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype

from .refusals import Refusal


@dataclass(frozen=True)
class FileKind:
    """An accepted type: its code (stored), label, media type, and the extensions its name may carry."""

    code: str
    label: str
    media_type: str
    extensions: tuple[str, ...]

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileKind("pdf", "PDF document", "application/pdf", ("pdf",))
PNG = FileKind("png", "PNG image", "image/png", ("png",))
JPEG = FileKind("jpeg", "JPEG image", "image/jpeg", ("jpg", "jpeg"))
DOCX = FileKind(
    "docx", "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)
)
XLSX = FileKind(
    "xlsx", "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
CSV = FileKind("csv", "CSV spreadsheet", "text/csv", ("csv",))
TEXT = FileKind("txt", "Plain text", "text/plain", ("txt", "text", "log"))

KINDS = {k.code: k for k in (PDF, PNG, JPEG, DOCX, XLSX, CSV, TEXT)}
ACCEPTED = ", ".join(sorted({k.extension.upper() for k in KINDS.values()}))
ACCEPT_ATTRIBUTE = ",".join(f".{e}" for k in KINDS.values() for e in k.extensions)  # the file input's `accept`

_BY_MAGIC = {"application/pdf": PDF, "image/png": PNG, "image/jpeg": JPEG}
# The main part each Office container must declare in [Content_Types].xml.
_OFFICE_MAIN = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few KB; never inflate more than this
# How files that are not taken are described, from what `filetype` says they are.
_DESCRIBED = {
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program",
    "application/x-elf": "a program",
    "application/x-mach-binary": "a program",
    "application/x-sh": "a script",
    "application/zip": "a ZIP archive",
    "application/x-rar-compressed": "a RAR archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/gzip": "a compressed archive",
    "image/gif": "a GIF image",
    "image/heic": "a HEIC photo",
    "image/webp": "a WebP image",
    "image/tiff": "a TIFF image",
    "application/msword": "an old-style Word document (.doc)",
    "application/vnd.ms-excel": "an old-style Excel workbook (.xls)",
}
_MARKUP = re.compile(rb"^\s*<(?:!doctype|html|head|body|script|svg|\?xml|iframe|!--|[a-z]+[\s>/])", re.IGNORECASE)
_SCRIPT = re.compile(rb"<\s*script|javascript:", re.IGNORECASE)
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")
# Characters that change the direction text is shown in (a name "invoice\u202efdp.exe" reads as
# "invoiceexe.pdf"), zero-width characters, and line or paragraph separators.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def what_it_holds(content: bytes) -> str:
    """A plain description of a file that is not taken, for the refusal."""
    if content[:4] == b"PK\x03\x04":
        declared = _content_types(content)
        if declared is None:
            return "a ZIP archive"
        if b"macroEnabled" in declared:
            return "a macro-enabled Office document (.docm, .xlsm)"
        return "an Office document of a kind not taken (only Word .docx and Excel .xlsx are)"
    guess = filetype.guess(content[:8192])
    if guess is not None:
        return _DESCRIBED.get(guess.mime, f"a {guess.extension.upper()} file")
    if content[:2] == b"MZ":
        return "a Windows program"
    if content[:4] == b"\x7fELF":
        return "a program"
    if content[:2] == b"#!":
        return "a script"
    if _MARKUP.match(content[:512]) or _SCRIPT.search(content[:4096]):
        return "a web page (HTML) or markup"
    return "something other than a document, image, spreadsheet or text"


def _content_types(content: bytes) -> bytes | None:
    """The `[Content_Types].xml` of an Office (ZIP) container, or None if it has none we can read."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_LIMIT:
                return None
            with archive.open(info) as member:
                declared = member.read(_CONTENT_TYPES_LIMIT + 1)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        return None
    return declared


def _office_kind(content: bytes) -> FileKind | None:
    """DOCX or XLSX if the ZIP container declares a Word document or Excel workbook, else None."""
    declared = _content_types(content)
    if declared is None:
        return None
    for kind, main in _OFFICE_MAIN.items():
        if main in declared:
            return kind
    return None


def _is_text(content: bytes) -> bool:
    """UTF-8 text with no control characters other than tab, line ends and form feed, that does
    not open like HTML or XML and carries no script."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if _TEXT_CONTROLS.search(text):
        return False
    head = content.removeprefix(b"\xef\xbb\xbf")[:4096]
    return not (_MARKUP.match(head) or _SCRIPT.search(head))


def extension_of(filename: str) -> str | None:
    """The lower-case extension of a name, if it has a usable one (1–5 letters or digits)."""
    match = _EXTENSION.search(filename)
    return match.group(1).lower() if match else None


def identify(filename: str, content: bytes) -> FileKind:
    """The accepted kind of a file, from its content; `Refusal` (on the field "file") otherwise."""
    if not content:
        raise Refusal(
            "The file is empty (0 bytes). Choose the file again; if it is empty on your computer too, save it again from the program that made it.",
            "file",
        )
    extension = extension_of(filename)
    guess = filetype.guess(content[:8192])
    kind: FileKind | None
    if guess is not None and guess.mime in _BY_MAGIC:
        kind = _BY_MAGIC[guess.mime]
    elif content[:4] == b"PK\x03\x04":
        kind = _office_kind(content)
    elif guess is None and _is_text(content):
        kind = CSV if extension == "csv" else TEXT
    else:
        kind = None
    if kind is None:
        raise Refusal(
            f"This file holds {what_it_holds(content)}, which cannot be attached. Attach {ACCEPTED} files only.",
            "file",
        )
    if extension is not None and extension not in kind.extensions and not (kind is TEXT and extension == "csv"):
        raise Refusal(
            f"The file's name ends .{extension} but it holds a {kind.label}. Rename it to end .{kind.extension}, "
            "or check that you chose the right file.",
            "file",
        )
    return kind


def sent_filename(raw: str) -> str:
    """The name a browser sent: browsers write `"`, line feed and carriage return in a multipart
    file name as %22, %0A and %0D (the HTML standard's form encoding); nothing else is decoded."""
    return raw.replace("%22", '"').replace("%0A", "\n").replace("%0D", "\r")


def clean_filename(filename: str, kind: FileKind | None = None, *, limit: int = 200) -> str:
    """The name to show: the last part of any path, without control, direction-changing or
    zero-width characters, runs of spaces squeezed, at most `limit` characters (the extension
    kept), and never empty. Quotes and other characters stay (every page escapes them)."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _INVISIBLE.sub("", name)
    name = re.sub(r"\s+", " ", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if not name:
        name = "attachment" + (f".{kind.extension}" if kind else "")
    elif kind is not None and extension_of(name) is None:
        name = f"{name}.{kind.extension}"
    if len(name) > limit:
        extension = extension_of(name)
        tail = f".{extension}" if extension else ""
        name = name[: limit - len(tail)].rstrip(" .") + tail
    return name


def download_name(prefix: str, filename: str, kind: FileKind, *, limit: int = 100) -> str:
    """A safe server-chosen name for the download: ASCII letters, digits, '-' and '_' only, the
    plan's reference (and the object's) first, the content's extension last."""
    stem = filename.rsplit(".", 1)[0] if extension_of(filename) else filename
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_stem).strip("-")
    safe_prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-")
    name = "_".join(part for part in (safe_prefix, ascii_stem[: max(0, limit - len(safe_prefix) - 8)]) if part)
    return f"{name or 'attachment'}.{kind.extension}"


def format_size(size: int) -> str:
    """A file size for people: 812 bytes, 14 KB, 2.4 MB."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
