"""Bytes to text, and the check that the text is HTML at all.

Encoding follows what a browser would do first (BOM, HTTP header, ``<meta charset>``); pages
that declare nothing and are not valid UTF-8 are scored as Central European code pages, because
the blogs this project archives are Polish and old Polish pages are cp1250 or ISO-8859-2.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from w3lib.encoding import html_to_unicode


class ExtractionError(ValueError):
    """The input cannot be read as an HTML page; the message is one sentence for the user."""


#: Tried in order for undeclared, non-UTF-8 bytes; ties go to the earlier one.
_FALLBACK_ENCODINGS = ("cp1250", "iso-8859-2", "cp1252")
_POLISH_LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: Control characters, counted on the UTF-8 bytes where they are single bytes that no other
#: character's encoding contains; U+FFFD (what undecodable bytes became) is counted apart.
_CONTROL_BYTES = bytes((*range(0x09), *range(0x0e, 0x20), 0x7f))
_REPLACEMENT = "\ufffd"
_TAG = re.compile(r"<\s*(?:[a-zA-Z]|!--|!doctype)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
#: Share of control/replacement characters above which the input is binary, not text.
_BINARY_RATIO = 0.05
_BINARY = "the input is binary data, not HTML"
#: One undecodable character in this many, or more, and the declared charset is wrong.
_MISLABELLED_SHARE = 100
_SNIFF_CHARS = 4096
#: Single-byte charsets (by codec name): every byte reads as some character, so UTF-8 bytes
#: under their label give mojibake rather than undecodable characters.
_SINGLE_BYTE = frozenset({*(f"cp{n}" for n in range(1250, 1259)),
                          *(f"iso8859-{n}" for n in range(1, 17)), "koi8-r", "koi8-u"})


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode a page's bytes: BOM, then ``Content-Type`` charset, then ``<meta>``, then a guess."""
    return _decode(data, content_type)[1]


def _decode(data: bytes, content_type: str | None) -> tuple[str, str]:
    """The encoding :func:`decode_html` chose, and the text."""
    return html_to_unicode(content_type, data, auto_detect_fun=guess_encoding)


def guess_encoding(data: bytes) -> str:
    """UTF-8 when the bytes are valid UTF-8, else the Central European code page that reads best.

    Each candidate decoding is scored by its non-ASCII characters: letters count (Polish letters
    twice), punctuation is neutral, anything else (``±``, ``¶``, ``³``, C1 controls) counts
    against. ISO-8859-2 ``ą`` is cp1250 ``±``, cp1250 ``ś`` is an ISO-8859-2 control code, so the
    right code page wins on any Polish text.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return max(_FALLBACK_ENCODINGS, key=lambda name: _score(data.decode(name, "replace")))
    return "utf-8"


def _score(text: str) -> int:
    score = 0
    for char in _NON_ASCII.findall(text):
        category = unicodedata.category(char)
        if category[0] == "L":
            score += 2 if char in _POLISH_LETTERS else 1
        elif category[0] not in "PZ":
            score -= 1
    return score


def not_html_reason(text: str) -> str | None:
    """Why ``text`` is not an HTML page (empty, binary, no tags), or None when it looks like one."""
    head = text[:_SNIFF_CHARS]
    if not head.strip():
        return "the input is empty"
    if _control_count(head) > _BINARY_RATIO * len(head):
        return _BINARY
    if not _TAG.search(head):
        return "the input has no HTML tags"
    return None


def _control_count(text: str) -> int:
    """How many control or replacement characters ``text`` holds (a regex counting them
    visits every character in Python's matcher; byte deletion runs at memory speed)."""
    data = text.encode("utf-8", "surrogatepass")
    replaced = text.count(_REPLACEMENT)
    return len(data) - len(data.translate(None, _CONTROL_BYTES)) + replaced


def to_markup(html: str | bytes, content_type: str | None = None) -> tuple[str, bytes | None]:
    """The page as text ready for lxml, and its UTF-8 bytes when ``html`` is exactly them;
    :class:`ExtractionError` when it is not HTML. Bytes are decoded as :func:`decode_html`
    does: the charset of the HTTP ``content_type`` wins over ``<meta>`` and the guess, as it
    does in a browser, so a windows-1252 page without ``<meta charset>`` is not guessed cp1250.

    Most pages are valid UTF-8 that needs no cleaning: lxml can read the input bytes as they
    are instead of the text encoded again (a second pass over the page).
    """
    encoding, text = _decode(html, content_type) if isinstance(html, bytes) else (None, html)
    if isinstance(html, bytes) and _utf8_under_single_byte(html, encoding):
        encoding, text = "utf-8", html.decode("utf-8")
    reason = not_html_reason(text)
    if isinstance(html, bytes) and (reason == _BINARY or _mislabelled(text)):
        encoding, text = _detected(html, encoding, text)
        reason = not_html_reason(text)
    if reason:
        raise ExtractionError(reason)
    # lxml refuses a str that still carries an XML encoding declaration or a NUL character.
    markup, declarations = _XML_DECLARATION.subn("", text, count=1)
    if isinstance(html, bytes) and not declarations and _is_utf8_of(html, encoding, markup):
        return markup, html
    return markup.replace("\x00", ""), None


def _utf8_under_single_byte(data: bytes, encoding: str | None) -> bool:
    """True for non-ASCII bytes that are valid UTF-8 under a single-byte charset's label
    (``windows-1252``, ``iso-8859-2``): read as labelled they give mojibake ("FÃ¼r") with no
    undecodable byte to tell. Text in a code page almost never forms valid UTF-8 sequences
    (an accented letter is followed by a letter, not by a byte 0x80–0xBF), so such bytes are
    UTF-8 whatever the label says."""
    if encoding is None or data.isascii() or codecs.lookup(encoding).name not in _SINGLE_BYTE:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mislabelled(text: str) -> bool:
    """True when over one character in a hundred could not be decoded: not a stray bad byte
    but a page whose bytes are not in the charset it declares."""
    return _REPLACEMENT in text and text.count(_REPLACEMENT) * _MISLABELLED_SHARE > len(text)


def _detected(data: bytes, encoding: str | None, text: str) -> tuple[str | None, str]:
    """The bytes read again by Beautiful Soup's ``UnicodeDammit`` when the declared charset
    made them binary or garbled (UTF-8 bytes under ``<meta charset="euc-kr">``): it tries
    each declared encoding strictly, then the others, and its reading is taken only when
    some encoding reads every byte. Only such pages come here; the hot path never imports it."""
    from bs4 import UnicodeDammit

    dammit = UnicodeDammit(data, is_html=True)
    if dammit.unicode_markup is None or dammit.contains_replacement_characters:
        return encoding, text
    return dammit.original_encoding, dammit.unicode_markup


def _is_utf8_of(data: bytes, encoding: str | None, text: str) -> bool:
    """True when ``text``, decoded from ``data`` as ``encoding``, encodes back to ``data``:
    UTF-8 with no BOM (decoding drops it), no undecodable byte (it became U+FFFD) and no NUL
    (the text must lose it). These byte and one-character searches cost next to nothing
    beside encoding the page again."""
    return encoding is not None and codecs.lookup(encoding).name == "utf-8" and \
        not data.startswith(codecs.BOM_UTF8) and b"\x00" not in data and _REPLACEMENT not in text
