"""Character tables for the legacy Vietnamese encodings (TCVN3/ABC, VNI-Windows, VISCII)."""
from __future__ import annotations

# TCVN3 (VN3, TCVN 5712:1993 as used by the .VnTime fonts): byte → letter for the 74 letters
# above 0xA0 (research/vietnamese-text.md §2.3, checked against glibc TCVN5712-1). Text read
# from Word, RTF or PDF arrives as the cp1252 character of each byte, which is what the keys are.
_TCVN3_BYTES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}

# Character (as read through cp1252/Latin-1) → Unicode letter, for str.translate.
TCVN3_CHARS: dict[int, str] = {b: letter for b, letter in _TCVN3_BYTES.items()}
# PDF text layers of .VnTime documents substitute look-alike code points for two bytes:
# U+2212 MINUS SIGN for 0xAD (ư) and U+2219 BULLET OPERATOR for 0xB7 (ã).
TCVN3_CHARS[0x2212] = "ư"
TCVN3_CHARS[0x2219] = "ã"

# The bytes TCVN3 gives a letter; used to recognise TCVN3 text before converting it.
TCVN3_SIGNATURE = frozenset(chr(b) for b in _TCVN3_BYTES)

# VNI-Windows: most letters are a base letter followed by a modifier glyph. Each modifier
# (lower- and upper-case forms alike) stands for combining marks added to the base letter.
_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE = "\u0302", "\u0306"
VNI_MODIFIERS: dict[str, str] = {}
for _lower, _upper, _marks in (
    ("ø", "Ø", _GRAVE), ("ù", "Ù", _ACUTE), ("û", "Û", _HOOK), ("õ", "Õ", _TILDE), ("ï", "Ï", _DOT),
    ("â", "Â", _CIRC), ("à", "À", _CIRC + _GRAVE), ("á", "Á", _CIRC + _ACUTE),
    ("å", "Å", _CIRC + _HOOK), ("ã", "Ã", _CIRC + _TILDE), ("ä", "Ä", _CIRC + _DOT),
    ("ê", "Ê", _BREVE), ("è", "È", _BREVE + _GRAVE), ("é", "É", _BREVE + _ACUTE),
    ("ú", "Ú", _BREVE + _HOOK), ("ü", "Ü", _BREVE + _TILDE), ("ë", "Ë", _BREVE + _DOT),
):
    VNI_MODIFIERS[_lower] = _marks
    VNI_MODIFIERS[_upper] = _marks

# VNI letters that are a single glyph (ơ, ư, đ and the i/ỵ forms).
VNI_SINGLE: dict[str, str] = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ",
    "ì": "ì", "Ì": "Ì", "í": "í", "Í": "Í", "æ": "ỉ", "Æ": "Ỉ",
    "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ",
}

# Letters a VNI modifier may follow (after VNI_SINGLE has turned ô/ö into ơ/ư).
VNI_BASES = frozenset("aeiouyAEIOUYơưƠƯ")

# VISCII (RFC 1456 appendix): bytes 0x80–0xFF, plus six C0 positions that carry letters.
VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"
    "ÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯ"
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứÒÓÔạỷừửÙÚỹỵÝỡư"
    "àáâãảăữẫèéêẻìíĩỉđựòóôõỏọụùúũủýợỮ"
)
VISCII_C0 = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}


def viscii_decode(data: bytes) -> str:
    """Decode VISCII bytes (Python has no codec for it)."""
    out = []
    for b in data:
        if b >= 0x80:
            out.append(VISCII_HIGH[b - 0x80])
        else:
            out.append(VISCII_C0.get(b, chr(b)))
    return "".join(out)
