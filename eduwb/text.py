"""Vietnamese text handling: cleaning, folding, lookup keys, names and legacy encodings.

Everything here is a pure function on ``str`` (or ``bytes`` for cp1258). The hot paths run on
100k+ cell values, so they use ``str.translate`` tables, precompiled regexes and
``functools.lru_cache``; the ``*_series`` helpers map a pandas Series over its unique values.

Legacy encodings
----------------
Excel files typed with the ``.VnTime`` (TCVN3 / ABC) or ``VNI-Times`` fonts store Vietnamese as
Latin-1 code points inside otherwise Unicode cell text. :func:`detect_legacy` decides per column,
:func:`repair_legacy` decodes, and the ``encode_*`` functions produce such text for samples.

* TCVN3: the TCVN 5712:1993 "VN3" table (the ``.VnTime`` fonts). VN3 has precomposed code points
  for lower-case letters and for the seven capitals Ă Â Ê Ô Ơ Ư Đ only; a capital *with a tone
  mark* is written with its lower-case code point (the ``.VnTimeH`` fonts draw everything upper
  case). :func:`encode_tcvn3` therefore lowers toned capitals, and :func:`decode_tcvn3` restores
  them only where the case is evident (an all-capitals value or word), see ``_restore_case``.
  Byte 0xAD is ``ư``: it surfaces as U+00AD SOFT HYPHEN, which Excel hides. Never strip U+00AD
  before legacy detection; :func:`clean` keeps it.
* VNI (VNI Windows): a base letter followed by a mark byte (``Nguyeãn`` = Nguyễn); ơ ư đ and the
  toned i's are single bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "VIETNAMESE_LETTERS",
    "clean",
    "clean_series",
    "decode_cp1258",
    "decode_tcvn3",
    "decode_vni",
    "detect_legacy",
    "encode_cp1258",
    "encode_tcvn3",
    "encode_vni",
    "fold_accents",
    "fold_accents_series",
    "fold_case",
    "fold_case_series",
    "header_key",
    "repair_legacy",
    "split_name",
    "title_name",
    "vocab_key",
]

_CACHE = 1 << 16  # lru_cache size for per-value functions (bounded memory at province scale)

# --- the Vietnamese alphabet -----------------------------------------------------------------

# Combining tone marks: grave (huyền), acute (sắc), hook (hỏi), tilde (ngã), dot below (nặng).
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_TONE_SET = frozenset(_TONES)
# Vowels with their vowel modifiers (circumflex, breve, horn) but no tone.
_BASE_VOWELS = "aăâeêioôơuưy"


def _with_tone(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


def _build_letters() -> str:
    lower = []
    for base in _BASE_VOWELS:
        lower.append(base)
        lower.extend(_with_tone(base, t) for t in _TONES)
    lower.append("đ")
    return "".join(lower) + "".join(c.upper() for c in lower)


#: Every letter of Vietnamese that is not plain ASCII-consonant: the 12 vowels x 6 tones and đ,
#: lower then upper case (NFC).
VIETNAMESE_LETTERS: str = _build_letters()

# Letters that only Unicode Vietnamese text contains (outside Latin-1), plus combining marks:
# legacy text, being Latin-1, never contains them.
_UNICODE_ONLY = frozenset(
    "ĂăĐđĨĩŨũƠơƯư"
    + "".join(chr(c) for c in range(0x1EA0, 0x1EFA))
    + "".join(chr(c) for c in range(0x0300, 0x0370))
)
_UNICODE_ONLY_RE = re.compile("[" + re.escape("".join(sorted(_UNICODE_ONLY))) + "]")

# --- clean -------------------------------------------------------------------------------------

# Zero-width characters are deleted; Ð/ð (Icelandic eth, typed for Đ) become Đ/đ. U+00AD is kept
# on purpose: it is TCVN3's "ư" (see module docstring).
_CLEAN_TABLE = {
    0x200B: None,  # zero width space
    0x200C: None,  # zero width non-joiner
    0x200D: None,  # zero width joiner
    0x2060: None,  # word joiner
    0xFEFF: None,  # BOM / zero width no-break space
    0x180E: None,  # Mongolian vowel separator (formerly a space)
    0x00D0: "Đ",
    0x00F0: "đ",
}


def _build_tone_moves() -> dict[str, str]:
    """Old-style pairs ("oà", "uỷ") -> modern placement ("òa", "ủy"), all case combinations."""
    moves: dict[str, str] = {}
    for first, seconds in (("o", "ae"), ("u", "y")):
        for second in seconds:
            for tone in _TONES:
                for f in (first, first.upper()):
                    for s in (second, second.upper()):
                        old = f + _with_tone(s, tone)
                        moves[old] = _with_tone(f, tone) + s
    return moves


_TONE_MOVES = _build_tone_moves()
# The pair must end the syllable (Hoàng keeps its tone on a) and must not follow q, where "qu" is
# a consonant (Quý, quỳ are right as they are). "gi" is a consonant too, but no "oa"/"oe"/"uy"
# follows it; a g before u is the end of "ng" (Nguỵ → Ngụy), so only q is excluded.
_TONE_MOVE_RE = re.compile(r"(?<![qQ])(" + "|".join(sorted(_TONE_MOVES)) + r")(?![^\W\d_])")


def _move_tone(m: re.Match[str]) -> str:
    return _TONE_MOVES[m.group(1)]


@lru_cache(maxsize=_CACHE)
def clean(s: str) -> str:
    """NFC, Ð→Đ, modern tone placement (Hoà→Hòa, Thuỷ→Thủy), one space for any whitespace run.

    Zero-width characters are removed, NBSP/tabs/line breaks become spaces, the result is trimmed.
    Idempotent. Call it on Unicode text only: legacy text must be repaired first.
    """
    if s.isascii():
        if s.isprintable() and "  " not in s and s == s.strip():
            return s
        return " ".join(s.split())
    s = unicodedata.normalize("NFC", s.translate(_CLEAN_TABLE))
    s = _TONE_MOVE_RE.sub(_move_tone, s)
    return " ".join(s.split())


@lru_cache(maxsize=_CACHE)
def fold_case(s: str) -> str:
    """:func:`clean` then casefold (Đ→đ); diacritics are kept."""
    return clean(s).casefold()


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for ch in VIETNAMESE_LETTERS:
        base = unicodedata.normalize("NFD", ch)[0]
        table[ord(ch)] = base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    table[0x00AD] = ""  # soft hyphen (invisible)
    return table


_FOLD_TABLE = _build_fold_table()


@lru_cache(maxsize=_CACHE)
def fold_accents(s: str) -> str:
    """:func:`fold_case` without any diacritic, đ→d: "Nguyễn Thị Hòa" → "nguyen thi hoa"."""
    s = fold_case(s)
    if s.isascii():
        return s
    s = s.translate(_FOLD_TABLE)
    if s.isascii():
        return s
    # Other letters (French é, German ü...): strip combining marks generically.
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", s)


# Spelling noise in vocabulary values: spaces, hyphens, apostrophes, dots, soft hyphens.
_VOCAB_NOISE = str.maketrans("", "", " -‐‑‒–—'’‘`ʼ´.\u00ad")


@lru_cache(maxsize=_CACHE)
def vocab_key(s: str) -> str:
    """Lookup key: :func:`fold_case` without spaces, hyphens, apostrophes, dots ("Khơ-me"→"khơme").

    Diacritics are kept, so "Mạ" and "Ma" stay different.
    """
    # Joining the parts can bring a tone mark next to a new vowel: place it again.
    return fold_case(fold_case(s).translate(_VOCAB_NOISE))


_REQUIRED_MARK_RE = re.compile(r"\s*(?:\(\s*\*\s*\)|\*)\s*$")
_DATE_FORMAT_RE = re.compile(r"\s*\(\s*[dmy]{1,4}(?:\s*[/.\-]\s*[dmy]{1,4}){1,2}\s*\)\s*$", re.I)
_SLASH_AMP_RE = re.compile(r"\s*([/&])\s*")


@lru_cache(maxsize=_CACHE)
def header_key(s: str) -> str:
    """Key for matching column headers by meaning.

    Drops a trailing "(*)" / "*" and a trailing date format such as "(dd/mm/yyyy)", folds case and
    accents, collapses spaces and the spaces around "/" and "&":
    "Học 2 buổi / ngày" and "HỌC 2 BUỔI/NGÀY" give the same key.
    """
    s = clean(s)
    while True:
        stripped = _DATE_FORMAT_RE.sub("", _REQUIRED_MARK_RE.sub("", s))
        if stripped == s:
            break
        s = stripped
    s = fold_accents(s)
    return _SLASH_AMP_RE.sub(r"\1", s).strip()


# --- school names --------------------------------------------------------------------------------

_SCHOOL_TYPE_RE = re.compile(
    r"^(?:truong\s+)?(tieu hoc va trung hoc co so|tieu hoc va thcs|th\s*(?:&|va|-|/)?\s*thcs"
    r"|tieu hoc|th|ptdtbt\s*(?:th)?|pt)\b\s*(.*)$")
_SCHOOL_TYPES = {"tieu hoc": "th", "th": "th", "ptdtbt": "ptdtbt th", "pt": "pt"}


@lru_cache(maxsize=_CACHE)
def school_name_parts(name: str) -> tuple[str, str]:
    """(type, place) keys of a school name, for matching names written differently.

    "Trường Tiểu học Tân Phú", "TH Tân Phú" and "th  tân phú" → ("th", "tân phú");
    "TH&THCS Tiến Hưng", "Trường Tiểu học và THCS Tiến Hưng" → ("th&thcs", "tiến hưng");
    a bare "Tân Phú" → ("", "tân phú"). Case, NFC/NFD, tone placement, Ð/Đ and punctuation are
    ignored; the place keeps its diacritics (Lộc Thạnh and Lộc Thành are two schools): fold it
    with :func:`fold_accents` to match a name typed without accents.
    """
    accented = " ".join(re.sub(r"[^\w&]+", " ", fold_case(name)).replace("_", " ").split())
    folded = accented.translate(_FOLD_TABLE)
    if len(folded) != len(accented):  # a letter outside Vietnamese: positions no longer align
        folded = accented = fold_accents(accented)
    m = _SCHOOL_TYPE_RE.match(folded)
    if not m:
        if folded.startswith("truong "):
            return "", accented[len("truong "):]
        return "", accented
    kind, place = m.group(1), accented[m.start(2):]
    if "thcs" in kind or "trung hoc co so" in kind:
        return "th&thcs", place
    return _SCHOOL_TYPES.get(kind.replace(" th", ""), kind), place


# --- pandas helpers ----------------------------------------------------------------------------


def _map_unique(s: pd.Series, func: Callable[[str], str]) -> pd.Series:
    """Apply ``func`` to each distinct string of ``s`` once; non-strings (NaN, numbers) pass."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array(
        [func(u) if isinstance(u, str) else u for u in uniques] + [None], dtype=object
    )
    out = mapped[codes]  # code -1 picks the trailing None, replaced below
    missing = codes < 0
    if missing.any():
        out[missing] = s.to_numpy(dtype=object)[missing]
    result = pd.Series(out, index=s.index, name=s.name, dtype=object)
    if isinstance(s.dtype, pd.StringDtype):
        result = result.astype(s.dtype)
    return result


def clean_series(s: pd.Series) -> pd.Series:
    """:func:`clean` over a Series, computed once per distinct value."""
    return _map_unique(s, clean)


def fold_case_series(s: pd.Series) -> pd.Series:
    """:func:`fold_case` over a Series, computed once per distinct value."""
    return _map_unique(s, fold_case)


def fold_accents_series(s: pd.Series) -> pd.Series:
    """:func:`fold_accents` over a Series, computed once per distinct value."""
    return _map_unique(s, fold_accents)


# --- names -------------------------------------------------------------------------------------


def split_name(full: str) -> tuple[str, str, str]:
    """(family, middle, given) of a cleaned full name: "Nguyễn Thị Hòa" → ("Nguyễn", "Thị", "Hòa").

    One word gives ("", "", word); two give (family, "", given); empty gives ("", "", "").
    """
    words = clean(full).split(" ")
    if len(words) == 1:
        return ("", "", words[0])
    return (words[0], " ".join(words[1:-1]), words[-1])


_WORD_START_RE = re.compile(r"(?:^|(?<=[\s\-'’ʼ]))([^\W\d_])")


@lru_cache(maxsize=_CACHE)
def title_name(s: str) -> str:
    """Capitalise each syllable: "NGUYỄN  văn an" → "Nguyễn Văn An", "h'mông" → "H'Mông"."""
    return _WORD_START_RE.sub(lambda m: m.group(1).upper(), clean(s).lower())


# --- TCVN3 (ABC, .VnTime) ----------------------------------------------------------------------

# TCVN 5712:1993 VN3: the byte (shown as its Latin-1 character) for each lower-case letter, in
# the order unmarked, grave, hook, tilde, acute, dot below.
_TCVN3_ROWS = {
    "a": "a\xb5\xb6\xb7\xb8\xb9",  # a à ả ã á ạ
    "ă": "\xa8\xbb\xbc\xbd\xbe\xc6",  # ă ằ ẳ ẵ ắ ặ
    "â": "\xa9\xc7\xc8\xc9\xca\xcb",  # â ầ ẩ ẫ ấ ậ
    "e": "e\xcc\xce\xcf\xd0\xd1",  # e è ẻ ẽ é ẹ
    "ê": "\xaa\xd2\xd3\xd4\xd5\xd6",  # ê ề ể ễ ế ệ
    "i": "i\xd7\xd8\xdc\xdd\xde",  # i ì ỉ ĩ í ị
    "o": "o\xdf\xe1\xe2\xe3\xe4",  # o ò ỏ õ ó ọ
    "ô": "\xab\xe5\xe6\xe7\xe8\xe9",  # ô ồ ổ ỗ ố ộ
    "ơ": "\xac\xea\xeb\xec\xed\xee",  # ơ ờ ở ỡ ớ ợ
    "u": "u\xef\xf1\xf2\xf3\xf4",  # u ù ủ ũ ú ụ
    "ư": "\xad\xf5\xf6\xf7\xf8\xf9",  # ư ừ ử ữ ứ ự
    "y": "y\xfa\xfb\xfc\xfd\xfe",  # y ỳ ỷ ỹ ý ỵ
}
_TCVN3_TONE_ORDER = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
# The seven capitals VN3 has: Ă Â Ê Ô Ơ Ư Đ at 0xA1-0xA7, and đ at 0xAE.
_TCVN3_EXTRA = {
    "Ă": "\xa1",
    "Â": "\xa2",
    "Ê": "\xa3",
    "Ô": "\xa4",
    "Ơ": "\xa5",
    "Ư": "\xa6",
    "Đ": "\xa7",
    "đ": "\xae",
}


def _build_tcvn3() -> tuple[dict[str, str], dict[str, str]]:
    """(Unicode letter -> TCVN3 char, TCVN3 char -> Unicode letter) for non-ASCII entries."""
    enc: dict[str, str] = {}
    for base, codes in _TCVN3_ROWS.items():
        for tone, code in zip(_TCVN3_TONE_ORDER, codes, strict=True):
            if not code.isascii():  # plain a e i o u y are themselves
                enc[_with_tone(base, tone)] = code  # ý is 0xFD, i.e. itself
    enc.update(_TCVN3_EXTRA)
    dec = {code: letter for letter, code in enc.items()}
    # Toned capitals have no code point: they use the lower-case one.
    for letter in list(enc):
        upper = letter.upper()
        if upper not in enc:
            enc[upper] = enc[letter]
    return enc, dec


_TCVN3_ENCODE, _TCVN3_DECODE = _build_tcvn3()
_TCVN3_ENCODE_TABLE = str.maketrans(_TCVN3_ENCODE)
_TCVN3_DECODE_TABLE = str.maketrans(_TCVN3_DECODE)
# Decoded letters whose case is unknown (toned lower-case code points) vs letters of known case.
_TCVN3_CASELESS = frozenset(_TCVN3_DECODE.values()) - frozenset("ĂÂÊÔƠƯĐăâêôơưđ")


def _restore_case(decoded: str) -> str:
    """Upper-case the case-less toned letters of all-capital words ("NGUYễN" → "NGUYỄN").

    A word is all-capital when it has at least two letters of known case, all upper case
    ("NGUYễN", "SáCH"). If the value has such a word and no letter of known lower case anywhere,
    every word is upper-cased ("NGUYễN VĂN Tú" → "NGUYỄN VĂN TÚ"); otherwise only those words
    are. Title-case words ("Hà", "Đà", "ánh" for Ánh) are left as decoded.
    """
    if not any(c in _TCVN3_CASELESS for c in decoded):
        return decoded
    words = decoded.split(" ")
    strong: list[bool] = []
    any_lower = False
    for w in words:
        upper = lower = 0
        for c in w:
            if c in _TCVN3_CASELESS:
                continue
            if c.isupper():
                upper += 1
            elif c.islower():
                lower += 1
        strong.append(upper >= 2 and lower == 0)
        any_lower = any_lower or lower > 0
    if not any(strong):
        return decoded
    if not any_lower:
        return decoded.upper()
    return " ".join(w.upper() if st else w for w, st in zip(words, strong, strict=True))


@lru_cache(maxsize=_CACHE)
def decode_tcvn3(s: str) -> str:
    """TCVN3 text (Latin-1 code points) → Unicode NFC: "NguyÔn V¨n Hïng" → "Nguyễn Văn Hùng".

    Toned capitals are restored only in all-capital values or words (see ``_restore_case``).
    """
    if s.isascii():
        return s
    return unicodedata.normalize("NFC", _restore_case(s.translate(_TCVN3_DECODE_TABLE)))


@lru_cache(maxsize=_CACHE)
def encode_tcvn3(s: str) -> str:
    """Unicode → TCVN3 text as Latin-1 code points (what a .VnTime cell holds).

    Capitals with a tone mark are written with the lower-case code point (VN3 has none).
    Characters outside the table pass through unchanged.
    """
    if s.isascii():
        return s
    return unicodedata.normalize("NFC", s).translate(_TCVN3_ENCODE_TABLE)


# --- VNI (VNI Windows) ---------------------------------------------------------------------------

# Mark bytes (lower-case form; the upper-case form goes with an upper-case base letter).
_VNI_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX = {
    "": "â",
    "\u0301": "á",
    "\u0300": "à",
    "\u0309": "å",
    "\u0303": "ã",
    "\u0323": "ä",
}
_VNI_BREVE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
# i with a tone is one byte (ì í are themselves); ơ ư đ are one byte (then a tone mark).
_VNI_I = {"\u0300": "ì", "\u0301": "í", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}
_VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ"}


def _build_vni() -> tuple[dict[str, str], dict[str, str]]:
    """(Unicode letter -> VNI sequence, VNI sequence -> Unicode letter), both cases."""
    lower: dict[str, str] = {}
    for base in "aeouy":
        for tone, mark in _VNI_TONE.items():
            lower[_with_tone(base, tone)] = base + mark
    for base, plain in (("â", "a"), ("ê", "e"), ("ô", "o")):
        for tone, mark in _VNI_CIRCUMFLEX.items():
            lower[_with_tone(base, tone)] = plain + mark
    for tone, mark in _VNI_BREVE.items():
        lower[_with_tone("ă", tone)] = "a" + mark
    for base, byte in _VNI_SINGLE.items():
        lower[base] = byte
        if base != "đ":
            for tone, mark in _VNI_TONE.items():
                lower[_with_tone(base, tone)] = byte + mark
    for tone, byte in _VNI_I.items():
        lower[_with_tone("i", tone)] = byte
    enc: dict[str, str] = {}
    for letter, seq in lower.items():
        if letter != seq:
            enc[letter] = seq
        if letter.upper() != seq.upper():
            enc[letter.upper()] = seq.upper()
    # Some VNI text writes ì í as i + mark like the other vowels; accept that when decoding.
    dec: dict[str, str] = {"iø": "ì", "iù": "í", "IØ": "Ì", "IÙ": "Í"}
    for letter, seq in enc.items():
        dec[seq] = letter
        if len(seq) == 2:
            # Tolerate a mark byte whose case differs from the base letter's (title case typed
            # with the wrong mark): the base letter decides the case.
            base, mark = seq
            for m in (mark.lower(), mark.upper()):
                dec.setdefault(base + m, letter)
    return enc, dec


_VNI_ENCODE, _VNI_DECODE = _build_vni()
_VNI_DECODE_RE = re.compile("|".join(sorted(map(re.escape, _VNI_DECODE), key=len, reverse=True)))
_VNI_ENCODE_TABLE = str.maketrans(_VNI_ENCODE)


def _vni_sub(m: re.Match[str]) -> str:
    return _VNI_DECODE[m.group(0)]


@lru_cache(maxsize=_CACHE)
def decode_vni(s: str) -> str:
    """VNI Windows text → Unicode NFC: "Nguyeãn Vaên Huøng" → "Nguyễn Văn Hùng"."""
    if s.isascii():
        return s
    return unicodedata.normalize("NFC", _VNI_DECODE_RE.sub(_vni_sub, s))


@lru_cache(maxsize=_CACHE)
def encode_vni(s: str) -> str:
    """Unicode → VNI Windows text (base letter + mark byte, as Latin-1 code points)."""
    if s.isascii():
        return s
    return unicodedata.normalize("NFC", s).translate(_VNI_ENCODE_TABLE)


# --- cp1258 --------------------------------------------------------------------------------------


def _cp1258_bytes(ch: str, errors: str) -> bytes:
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFD", ch)
    tones = "".join(c for c in decomposed if c in _TONE_SET)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_SET))
    try:
        return base.encode("cp1258") + tones.encode("cp1258")
    except UnicodeEncodeError:
        return ch.encode("cp1258", errors=errors)


@lru_cache(maxsize=64)
def _cp1258_table(errors: str) -> dict[str, bytes]:
    return {ch: _cp1258_bytes(ch, errors) for ch in VIETNAMESE_LETTERS}


def encode_cp1258(s: str, errors: str = "strict") -> bytes:
    """Unicode → Windows-1258 bytes.

    A letter cp1258 has precomposed (à, é, â, ơ, đ...) is one byte; any other Vietnamese letter is
    its base letter (with circumflex, breve or horn: â ê ô ơ ư ă) plus a combining tone byte.
    ``errors`` applies to characters cp1258 cannot express at all.
    """
    s = unicodedata.normalize("NFC", s)
    try:
        return s.encode("cp1258")  # nothing to decompose
    except UnicodeEncodeError:
        pass
    table = _cp1258_table(errors)
    return b"".join(table.get(c) or _cp1258_bytes(c, errors) for c in s)


def decode_cp1258(b: bytes, errors: str = "strict") -> str:
    """Windows-1258 bytes → Unicode NFC (Python's codec leaves the tone marks decomposed).

    Whitespace and line structure are kept; apply :func:`clean` per cell.
    """
    return unicodedata.normalize("NFC", b.decode("cp1258", errors=errors))


# --- legacy detection ----------------------------------------------------------------------------

# A syllable, tone marks removed: onset, vowel cluster (with glides), final consonant.
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
# Vowel clusters (longest first so the regex tries them first).
_NUCLEI = re.sub(
    r"\s+",
    "|",
    """
    uyê uya uyu oai oay oao oeo uây uôi ươi ươu iêu yêu
    ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ ưa ưi ươ ưu uy yê
    a ă â e ê i o ô ơ u ư y
    """.strip(),
)
_SYLLABLE_RE = re.compile(_ONSET + "(?:" + _NUCLEI + ")" + r"(?:ch|ng|nh|[cmnpt])?")
_TONE_STRIP = {ord(_with_tone(b, t)): b for b in _BASE_VOWELS for t in _TONES}
_TOKEN_SPLIT_RE = re.compile(r"[\s!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~]+")


@lru_cache(maxsize=_CACHE)
def _is_syllable(token: str) -> bool:
    """Whether ``token`` (NFC) is one well-formed Vietnamese syllable with at most one tone."""
    t = token.lower()
    plain = t.translate(_TONE_STRIP)
    tones = sum(1 for a, b in zip(t, plain, strict=True) if a != b)
    return tones <= 1 and _SYLLABLE_RE.fullmatch(plain) is not None


_UNICODE_READING = str.maketrans({"Ð": "Đ", "ð": "đ"})
_DECODERS: dict[str, Callable[[str], str]] = {"tcvn3": decode_tcvn3, "vni": decode_vni}


@lru_cache(maxsize=_CACHE)
def _value_votes(value: str) -> tuple[str | None, frozenset[str]]:
    """How one value reads: ("unicode" | encoding name | None, its characteristic characters).

    A value with a letter only Unicode has (ư ơ ă đ ạ..., or a combining mark) is Unicode. Else
    each non-ASCII token is read as it stands and through each decoder. A token that is a
    Vietnamese syllable only once decoded is evidence for that encoding; one that is a syllable
    as it stands and that decoding changes into a non-syllable is evidence for Unicode. Tokens
    that read well both ways ("Hoà" is VNI "Hồ", "Líp" is TCVN3 "Lớp") or that no decoder changes
    ("Ký", "Hà") count for nothing. The side with more evidence wins.
    """
    if value.isascii():
        return None, frozenset()
    if _UNICODE_ONLY_RE.search(value):
        return "unicode", frozenset()
    unicode_score = 0
    scores = dict.fromkeys(_DECODERS, 0)
    chars: dict[str, set[str]] = {name: set() for name in _DECODERS}
    for tok in _TOKEN_SPLIT_RE.split(value):
        if not tok or tok.isascii():
            continue
        as_unicode = _is_syllable(unicodedata.normalize("NFC", tok.translate(_UNICODE_READING)))
        legacy_readings = changed = 0
        for name, decode in _DECODERS.items():
            decoded = decode(tok)
            if decoded == tok:
                continue
            changed += 1
            if _is_syllable(decoded):
                legacy_readings += 1
                if not as_unicode:
                    scores[name] += 1
                    chars[name].update(c for c in tok if not c.isascii())
        if as_unicode and changed and not legacy_readings:
            unicode_score += 1
    best = max(_DECODERS, key=lambda name: scores[name])
    if scores[best] > unicode_score:
        return best, frozenset(chars[best])
    if unicode_score:
        return "unicode", frozenset()
    return None, frozenset()


def detect_legacy(values: Iterable[object], max_values: int = 5000) -> str | None:
    """ "tcvn3", "vni" or None for a whole column (or a row of header cells).

    Decided from several values, never from one letter: an encoding wins when at least two
    values read as Vietnamese only once decoded, they outnumber the values that read as Unicode
    Vietnamese by more than two to one, and the evidence uses at least two distinct
    characteristic characters. Valid Unicode Vietnamese (which has letters such as ư, ơ, ạ that
    legacy text cannot contain, or is ambiguous at worst) is never detected. Non-strings are
    ignored; at most ``max_values`` distinct non-ASCII strings are examined.
    """
    seen: set[str] = set()
    for v in values:
        if isinstance(v, str) and not v.isascii() and v not in seen:
            seen.add(v)
            if len(seen) >= max_values:
                break
    if not seen:
        return None
    # Values with a Unicode-only letter vote Unicode for certain (a regex finds them at C speed):
    # when the others cannot outnumber them two to one, no encoding can win.
    sure = sum(1 for v in seen if _UNICODE_ONLY_RE.search(v))
    if len(seen) - sure <= 2 * sure:
        return None
    counts: dict[str, int] = {}
    chars: dict[str, set[str]] = {}
    remaining = len(seen)
    for v in seen:
        vote, vote_chars = _value_votes(v)
        remaining -= 1
        if vote is not None:
            counts[vote] = counts.get(vote, 0) + 1
            chars.setdefault(vote, set()).update(vote_chars)
            # Stop once no encoding can outnumber the Unicode votes two to one (same outcome).
            best_legacy = max(counts.get(name, 0) for name in _DECODERS)
            if best_legacy + remaining <= 2 * counts.get("unicode", 0):
                return None
    unicode_votes = counts.get("unicode", 0)
    candidates = [
        (counts.get(name, 0), name)
        for name in _DECODERS
        if counts.get(name, 0) >= 2
        and counts.get(name, 0) > 2 * unicode_votes
        and len(chars.get(name, ())) >= 2
    ]
    if not candidates:
        return None
    return max(candidates)[1]


def repair_legacy(values: Sequence[object]) -> tuple[list[object], str | None]:
    """Detect the column's legacy encoding and decode its values.

    Returns (values, encoding or None). Values that read as Unicode Vietnamese and non-strings
    are returned untouched; so is every value when no encoding is detected.
    """
    encoding = detect_legacy(values)
    if encoding is None:
        return list(values), None
    decode = _DECODERS[encoding]
    out = []
    for v in values:
        if isinstance(v, str) and not v.isascii() and _value_votes(v)[0] != "unicode":
            out.append(decode(v))
        else:
            out.append(v)
    return out, encoding
