"""An uploaded answer sheet's bytes as text: UTF-8 (with or without a BOM), UTF-16 with its
BOM (Notepad's "Unicode"), else Windows-1252 (what Word and older editors save, where
latin-1 would turn an en dash into an invisible control character). Anything else, or
bytes that are not text at all, is refused with a message."""

from __future__ import annotations

import codecs

NOT_TEXT = "the answer sheet must be a text or Markdown file"
_CONTROL_OK = frozenset("\t\n\r\f\v")
# An OCR'd or pasted sheet has a few stray control characters; a binary file has many.
_FEW_CONTROLS, _MAX_CONTROL_SHARE = 16, 0.01


class SheetUnreadable(ValueError):
    pass


def decode_sheet(raw: bytes) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SheetUnreadable(NOT_TEXT) from exc
    elif b"\0" in raw:
        raise SheetUnreadable(NOT_TEXT)
    else:
        text = _decode_8bit(raw)
    if "\0" in text or _controls(text) > max(_FEW_CONTROLS, _MAX_CONTROL_SHARE * len(text)):
        raise SheetUnreadable(NOT_TEXT)
    return text


def decode_utf8_or_cp1252(raw: bytes) -> str:
    """UTF-8 with or without a BOM, else Windows-1252 (what Word and Excel save); raises
    UnicodeDecodeError when it is neither."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _decode_8bit(raw: bytes) -> str:
    try:
        return decode_utf8_or_cp1252(raw)
    except UnicodeDecodeError as exc:
        raise SheetUnreadable(
            "the answer sheet is neither UTF-8 nor Windows-1252 text: save it as UTF-8"
        ) from exc


def _controls(text: str) -> int:
    return sum(1 for c in text if c < " " and c not in _CONTROL_OK)
