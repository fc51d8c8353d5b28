"""File type (extension or MIME type) → the icon family the dashboard shows."""

from __future__ import annotations

_FAMILIES: dict[str, tuple[str, ...]] = {
    "pdf": ("pdf", "application/pdf"),
    "document": ("doc", "docx", "odt", "rtf", "pages", "application/msword", "wordprocessingml"),
    "csv": ("csv", "text/csv"),
    "spreadsheet": ("xls", "xlsx", "ods", "numbers", "ms-excel", "spreadsheetml"),
    "presentation": ("ppt", "pptx", "odp", "key", "ms-powerpoint", "presentationml"),
    "image": ("png", "jpg", "jpeg", "gif", "svg", "webp", "heic", "image/"),
    "video": ("mp4", "mov", "webm", "mkv", "avi", "video/"),
    "audio": ("mp3", "wav", "m4a", "ogg", "flac", "audio/"),
    "archive": ("zip", "tar", "gz", "tgz", "7z", "rar", "application/zip", "x-tar", "gzip"),
    "text": ("txt", "md", "text/plain", "text/markdown"),
}


def file_family(file_type: str | None) -> str:
    if not file_type:
        return "other"
    value = file_type.strip().lower().lstrip(".")
    for family, markers in _FAMILIES.items():
        for marker in markers:
            substring = "/" in marker or marker.endswith("ml")  # MIME types and their families
            if value == marker or (substring and marker in value):
                return family
    return "other"


def file_label(file_type: str | None) -> str:
    """A short label for tables (``PDF``, ``XLSX``): the extension, or the MIME subtype."""
    if not file_type:
        return "FILE"
    value = file_type.strip().lstrip(".")
    if "/" in value:
        value = value.split("/", 1)[1].split(";", 1)[0].split("+", 1)[0]
        value = value.rsplit(".", 1)[-1]
    return value.upper()[:8] or "FILE"
