"""An uploaded sheet's bytes as text: UTF-8, UTF-16 with a BOM, Windows-1252; binary files
are refused with a message (the API, the web page and the CLI share this)."""

import pytest

from grader.sheet.reading import NOT_TEXT, SheetUnreadable, decode_sheet

SHEET = "Q2)\na) z = \u20130.04 \u2014 the en dash is Word's minus\n"


@pytest.mark.parametrize(
    "raw",
    [
        SHEET.encode("utf-8"),
        b"\xef\xbb\xbf" + SHEET.encode("utf-8"),  # a BOM
        SHEET.encode("utf-16"),  # Notepad's "Unicode", with its BOM
        b"\xfe\xff" + SHEET.encode("utf-16-be"),
        SHEET.encode("cp1252"),  # the en dash is byte 0x96
    ],
)
def test_text_in_the_usual_encodings(raw):
    assert decode_sheet(raw) == SHEET


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"PK\x03\x04" + bytes(range(1, 32)) * 20, NOT_TEXT),  # a zip header, no NUL
        (b"a\0b", NOT_TEXT),
        (
            b"\xe9t\xe9 \x81",  # 0x81 means nothing in Windows-1252
            "the answer sheet is neither UTF-8 nor Windows-1252 text: save it as UTF-8",
        ),
    ],
)
def test_what_is_not_text_is_refused(raw, message):
    with pytest.raises(SheetUnreadable) as err:
        decode_sheet(raw)
    assert str(err.value) == message


def test_a_few_stray_control_characters_are_fine():
    text = "Q1)\n" + "dL/dx = [1, 2]\n" * 20 + "\x0c\x1b"
    assert decode_sheet(text.encode()) == text
