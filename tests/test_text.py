"""Tests for eduwb.text: cleaning, keys, names, TCVN3/VNI/cp1258 and legacy detection."""

from __future__ import annotations

import time
import unicodedata

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eduwb import text, vocab

LOWER_LETTERS = text.VIETNAMESE_LETTERS[: len(text.VIETNAMESE_LETTERS) // 2]
UPPER_LETTERS = text.VIETNAMESE_LETTERS[len(text.VIETNAMESE_LETTERS) // 2 :]
# Capitals with a tone mark: TCVN3 (VN3) has no code point for them.
TONED_CAPITALS = frozenset(
    c
    for c in UPPER_LETTERS
    if any(m in unicodedata.normalize("NFD", c) for m in "\u0300\u0301\u0303\u0309\u0323")
)

NAMES = [
    "Nguyễn Văn Hùng",
    "Trần Thị Thu Hương",
    "Lê Hoàng Phúc",
    "Phạm Minh Đức",
    "Hoàng Thị Mỹ Duyên",
    "Huỳnh Ngọc Quý",
    "Võ Thị Hòa",
    "Đặng Quốc Bảo",
    "Bùi Thị Thủy",
    "Đỗ Trường Giang",
    "Hồ Thị Kim Ngân",
    "Ngô Đình Khải",
    "Dương Văn Lực",
    "Lý Thị Diệu Linh",
    "Điểu Thị Hoa",
    "Thị Ngọc Ánh",
    "Lâm Gia Hưng",
    "Đinh Thị Xuân Mai",
    "Trương Công Thành",
    "Mai Thị Yến Nhi",
    "Tạ Quang Vũ",
    "Cao Thị Ngọc Trâm",
    "Lương Văn Sơn",
    "Phan Thị Tuyết Nhung",
    "Vương Đức Thắng",
    "Châu Thị Bích Ngọc",
    "Hà Thị Khỏe",
    "Thạch Sô Phi",
    "Kiều Thị Thanh Thảo",
    "Triệu Văn Lộc",
]


# --- clean and keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hoà", "Hòa"),
        ("Hòa", "Hòa"),
        ("Thuỷ", "Thủy"),
        ("Thủy", "Thủy"),
        ("Khoẻ", "Khỏe"),
        ("Quý", "Quý"),
        ("quỳ", "quỳ"),
        ("Quỳnh", "Quỳnh"),
        ("Hoàng", "Hoàng"),  # final consonant: the tone stays on a
        ("Nguyễn Văn Toản", "Nguyễn Văn Toản"),
        ("HOÀ", "HÒA"),
        ("THUỶ", "THỦY"),
        ("Uỷ ban", "Ủy ban"),
        ("Nguỵ", "Ngụy"),
        ("hoạ sĩ", "họa sĩ"),
        ("xoè", "xòe"),
        ("Nguyễn Ðức", "Nguyễn Đức"),
        ("ðinh", "đinh"),
        ("Nguyễn\u00a0Văn\tAn", "Nguyễn Văn An"),
        ("  Họ và\ntên\r\n ", "Họ và tên"),
        ("Lê\u200bHà", "LêHà"),
        ("\ufeffLớp", "Lớp"),
        ("", ""),
        ("   ", ""),
        ("1A", "1A"),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert text.clean(raw) == expected


def test_clean_nfd_input() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    assert nfd != "Nguyễn Thị Hòa"
    assert text.clean(nfd) == "Nguyễn Thị Hòa"
    assert unicodedata.is_normalized("NFC", text.clean(nfd))


def test_clean_keeps_soft_hyphen() -> None:
    # U+00AD is TCVN3's "ư": cleaning must not destroy it.
    assert "\xad" in text.clean("Tr\xadêng")


def test_clean_series() -> None:
    s = pd.Series(["Hoà", None, "Hoà", " Thuỷ\n", 3, float("nan")], index=list("abcdef"))
    out = text.clean_series(s)
    assert list(out.index) == list("abcdef")
    assert out["a"] == "Hòa" and out["c"] == "Hòa" and out["d"] == "Thủy"
    assert out["b"] is None and out["e"] == 3 and pd.isna(out["f"])
    assert text.fold_accents_series(pd.Series(["Nguyễn Thị Hòa"]))[0] == "nguyen thi hoa"
    assert text.fold_case_series(pd.Series(["ĐỨC"]))[0] == "đức"
    string_series = pd.Series(["Hoà", None], dtype="string")
    assert text.clean_series(string_series).dtype == string_series.dtype


def test_clean_series_is_fast() -> None:
    values = [f"Nguyễn Văn Hoà {i % 20000}" for i in range(100_000)]
    start = time.perf_counter()
    out = text.clean_series(pd.Series(values))
    assert time.perf_counter() - start < 5
    assert out[0] == "Nguyễn Văn Hòa 0"


def test_fold_case() -> None:
    assert text.fold_case("ĐẶNG  Thị HOÀ") == "đặng thị hòa"
    assert text.fold_case("Ðức") == "đức"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nguyễn Thị Hòa", "nguyen thi hoa"),
        ("Nguyễn Thị Hoà", "nguyen thi hoa"),
        ("ĐẶNG VĂN ĐỨC", "dang van duc"),
        ("Ðức", "duc"),
        (unicodedata.normalize("NFD", "Trường Tiểu học Ưng"), "truong tieu hoc ung"),
        ("Crème brûlée", "creme brulee"),
    ],
)
def test_fold_accents(raw: str, expected: str) -> None:
    assert text.fold_accents(raw) == expected


def test_vocab_key() -> None:
    assert text.vocab_key("Khơ-me") == "khơme"
    assert text.vocab_key("Khơ me") == text.vocab_key("KHƠME") == "khơme"
    assert text.vocab_key("S'tiêng") == text.vocab_key("Stiêng") == text.vocab_key("S’tiêng")
    assert text.vocab_key("M'nông") == text.vocab_key("Mnông") == text.vocab_key("M`Nông")
    assert text.vocab_key("Ê Đê") == text.vocab_key("Ê-đê") == text.vocab_key("Êđê")
    assert text.vocab_key("T.H.C.S") == "thcs"
    assert text.vocab_key("Mạ") != text.vocab_key("Ma")  # diacritics are kept
    # Xtiêng vs S'tiêng differ by letters: equating them is vocab's job, not the key's.
    assert text.vocab_key("Xtiêng") != text.vocab_key("S'tiêng")


# Variants in vocab.ETHNIC_GROUPS that differ from another spelling only by case, spaces,
# hyphens or apostrophes: the key must equate them.
NOISE_ONLY_GROUPS = [
    ("Khơ-me", "Khơ me", "Khơme"),
    ("H'Mông", "Hmông"),
    ("Gia Rai", "Gia-rai"),
    ("Ê Đê", "Ê-đê", "Êđê"),
    ("Ba Na", "Ba-na"),
    ("Xơ Đăng", "Xơ-đăng"),
    ("Cơ Ho", "Cơ-ho"),
    ("Mnông", "M'nông", "M'Nông"),
    ("Ra Glai", "Raglai", "Ra-glai"),
    ("Xtiêng", "X'tiêng"),
    ("S'tiêng", "Stiêng"),
    ("Bru Vân Kiều", "Bru-Vân Kiều"),
    ("Cơ Tu", "Cơ-tu"),
    ("Gié Triêng", "Gié-Triêng"),
    ("Khơ Mú", "Khơ-mú"),
    ("Tà Ôi", "Tà-ôi"),
    ("Chơ Ro", "Chơ-ro"),
    ("Chu Ru", "Chu-ru"),
]


@pytest.mark.parametrize("group", NOISE_ONLY_GROUPS)
def test_vocab_key_ethnic_variants(group: tuple[str, ...]) -> None:
    names = {
        name
        for canonical, variants in vocab.ETHNIC_GROUPS.items()
        for name in (canonical, *variants)
    }
    assert set(group) <= names  # the test data is really in the vocabulary
    keys = {text.vocab_key(v) for v in group}
    assert len(keys) == 1


def test_vocab_key_ethnic_groups_distinct_and_noise_proof() -> None:
    owner: dict[str, str] = {}
    for canonical, variants in vocab.ETHNIC_GROUPS.items():
        for name in (canonical, *variants):
            key = text.vocab_key(name)
            assert owner.setdefault(key, canonical) == canonical, (name, owner[key])
            noisy = [
                name.upper(),
                name.lower(),
                unicodedata.normalize("NFD", name),
                f"  {name.replace(' ', '  -')}\u00a0",
                name.replace(" ", ""),
            ]
            for variant in noisy:
                assert text.vocab_key(variant) == key, (name, variant)
    assert len({text.vocab_key(c) for c in vocab.ETHNIC_GROUPS}) == 54


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ngày sinh (dd/mm/yyyy)", "Ngày sinh"),
        ("Ngày sinh (DD/MM/YYYY)", "NGÀY SINH"),
        ("Ngày sinh\n(dd-mm-yyyy)", "ngay sinh"),
        ("Ngày sinh (*) (dd/mm/yyyy)", "Ngày sinh"),
        ("Họ và tên (*)", "Họ và tên"),
        ("Họ và tên *", "Họ và tên"),
        ("Họ và\ntên", "Họ  và tên"),
        (unicodedata.normalize("NFD", "Dân tộc"), "Dân tộc"),
        ("Học 2 buổi / ngày", "Học 2 buổi/ngày"),
        ("Học 2 buổi/ ngày", "Học 2 buổi/ngày"),
        ("Mã định danh Bộ GD & ĐT", "Mã định danh Bộ GD&ĐT"),
        ("Mã định danh Bộ GD&ĐT", "MÃ ĐỊNH DANH BỘ GD&ĐT"),
        ("Thuỷ", "Thủy"),
        ("Ðơn vị", "Đơn vị"),
    ],
)
def test_header_key_equal(a: str, b: str) -> None:
    assert text.header_key(a) == text.header_key(b)


def test_header_key_values() -> None:
    assert text.header_key("Ngày sinh (dd/mm/yyyy)") == "ngay sinh"
    assert text.header_key("Mã định danh Bộ GD & ĐT") == "ma dinh danh bo gd&dt"
    assert text.header_key("Học 2 buổi / ngày") == "hoc 2 buoi/ngay"
    # Only a trailing format or mark is dropped.
    assert text.header_key("Lớp (ghép)") == "lop (ghep)"
    assert text.header_key("Mã học sinh") != text.header_key("Mã cán bộ")


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Nguyễn Thị Hòa", ("Nguyễn", "Thị", "Hòa")),
        ("  Trần   Thị Thu\u00a0Hương ", ("Trần", "Thị Thu", "Hương")),
        ("Lê Na", ("Lê", "", "Na")),
        ("Khánh", ("", "", "Khánh")),
        ("", ("", "", "")),
        ("Nguyễn Thị Hoà", ("Nguyễn", "Thị", "Hòa")),
    ],
)
def test_split_name(full: str, parts: tuple[str, str, str]) -> None:
    assert text.split_name(full) == parts


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NGUYỄN  văn an", "Nguyễn Văn An"),
        ("đặng thị ánh", "Đặng Thị Ánh"),
        ("ÐINH THỊ HOÀ", "Đinh Thị Hòa"),
        ("nay h'hen", "Nay H'Hen"),
        ("y-moan", "Y-Moan"),
    ],
)
def test_title_name(raw: str, expected: str) -> None:
    assert text.title_name(raw) == expected


# --- TCVN3 ---------------------------------------------------------------------------------------

# Known TCVN3 strings (the fixed phrases of any official document), checked byte by byte against
# the TCVN 5712:1993 VN3 table (and viparse's corpus-validated table).
TCVN3_KNOWN = [
    (
        "C\xe9ng ho\xb5 x\xb7 h\xe9i ch\xf1 ngh\xdca Vi\xd6t Nam",
        "Cộng hoà xã hội chủ nghĩa Việt Nam",
    ),
    ("\xa7\xe9c l\xcbp - T\xf9 do - H\xb9nh ph\xf3c", "Độc lập - Tự do - Hạnh phúc"),
    ("Nguy\xd4n V\xa8n H\xefng", "Nguyễn Văn Hùng"),
    ("Tr\xad\xeang", "Trường"),
    ("tr\xad\xeang TiÓu häc", "trường Tiểu học"),
    ("Hä vµ tªn", "Họ và tên"),
    ("Ngµy sinh", "Ngày sinh"),
    ("Giíi tÝnh", "Giới tính"),
    ("D©n téc", "Dân tộc"),
    ("\xa6u tiªn", "Ưu tiên"),
    ("BÐ", "Bé"),
]


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3_KNOWN)
def test_decode_tcvn3_known(legacy: str, unicode: str) -> None:
    assert text.decode_tcvn3(legacy) == unicodedata.normalize("NFC", unicode)


def test_tcvn3_table_spot_checks() -> None:
    # A few code points from the standard table.
    pairs = {
        "\xa8": "ă", "\xa9": "â", "\xaa": "ê", "\xab": "ô", "\xac": "ơ", "\xad": "ư", "\xae": "đ",
        "\xa1": "Ă", "\xa2": "Â", "\xa3": "Ê", "\xa4": "Ô", "\xa5": "Ơ", "\xa6": "Ư", "\xa7": "Đ",
        "\xb5": "à", "\xb8": "á", "\xbe": "ắ", "\xca": "ấ", "\xd0": "é", "\xd5": "ế", "\xdd": "í",
        "\xe3": "ó", "\xe8": "ố", "\xed": "ớ", "\xf3": "ú", "\xf8": "ứ", "\xfd": "ý", "\xfe": "ỵ",
    }  # fmt: skip
    for legacy, letter in pairs.items():
        assert text.decode_tcvn3(legacy) == letter
        assert text.encode_tcvn3(letter) == legacy


def test_tcvn3_encode_known() -> None:
    assert text.encode_tcvn3("Nguyễn Văn Hùng") == "Nguy\xd4n V\xa8n H\xefng"
    assert text.encode_tcvn3("Trường") == "Tr\xad\xeang"
    assert text.encode_tcvn3("abc 123") == "abc 123"
    # A capital with a tone mark uses the lower-case code point.
    assert text.encode_tcvn3("Ánh") == text.encode_tcvn3("ánh") == "\xb8nh"


def test_tcvn3_all_letters_round_trip() -> None:
    for letter in LOWER_LETTERS:
        assert text.decode_tcvn3(text.encode_tcvn3(letter)) == letter
    for letter in UPPER_LETTERS:
        back = text.decode_tcvn3(text.encode_tcvn3(letter))
        assert back == (letter.lower() if letter in TONED_CAPITALS else letter)
        # In an all-capital word the case is restored.
        assert text.decode_tcvn3(text.encode_tcvn3("TH" + letter + "NG")) == "TH" + letter + "NG"


@pytest.mark.parametrize(
    ("unicode", "back"),
    [
        ("NGUYỄN VĂN HÙNG", "NGUYỄN VĂN HÙNG"),
        ("NGUYỄN VĂN TÚ", "NGUYỄN VĂN TÚ"),
        ("DANH SÁCH HỌC SINH", "DANH SÁCH HỌC SINH"),
        ("DANH SÁCH học sinh", "DANH SÁCH học sinh"),
        ("Hà Mỹ Tú", "Hà Mỹ Tú"),
        ("Đà Nẵng", "Đà Nẵng"),
        ("Ánh Dương", "ánh Dương"),  # a toned capital in a title-case word: lower case
    ],
)
def test_tcvn3_case_restoration(unicode: str, back: str) -> None:
    assert text.decode_tcvn3(text.encode_tcvn3(unicode)) == back


def test_tcvn3_soft_hyphen_is_u_horn() -> None:
    legacy = text.encode_tcvn3("Trường Tiểu học Lương Thế Vinh")
    assert "\xad" in legacy
    assert text.decode_tcvn3(legacy) == "Trường Tiểu học Lương Thế Vinh"
    fixed, encoding = text.repair_legacy([text.encode_tcvn3(n) for n in NAMES] + [legacy])
    assert encoding == "tcvn3"
    assert fixed[-1] == "Trường Tiểu học Lương Thế Vinh"


# --- VNI -----------------------------------------------------------------------------------------

VNI_KNOWN = [
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("Nguyeãn Vaên Huøng", "Nguyễn Văn Hùng"),
    ("Tröôøng Tieåu hoïc", "Trường Tiểu học"),
    ("Ñaø Naüng", "Đà Nẵng"),
    ("NGUYEÃN THÒ HOØA", "NGUYỄN THỊ HÒA"),
    ("chi phí, cheát vì", "chi phí, chết vì"),
    ("Thaúng", "Thẳng"),
]


@pytest.mark.parametrize(("legacy", "unicode"), VNI_KNOWN)
def test_decode_vni_known(legacy: str, unicode: str) -> None:
    assert text.decode_vni(legacy) == unicode


def test_encode_vni_known() -> None:
    assert text.encode_vni("Nguyễn Văn Hùng") == "Nguyeãn Vaên Huøng"
    assert text.encode_vni("Đà Nẵng") == "Ñaø Naüng"
    assert text.encode_vni("ƠN ƯỚC") == "Ô" + "N " + "ÖÔÙC"


def test_vni_all_letters_round_trip() -> None:
    for letter in text.VIETNAMESE_LETTERS:
        assert text.decode_vni(text.encode_vni(letter)) == letter, letter


# --- cp1258 ---------------------------------------------------------------------------------------


def test_cp1258_all_letters_round_trip() -> None:
    for letter in text.VIETNAMESE_LETTERS:
        data = text.encode_cp1258(letter)
        assert text.decode_cp1258(data) == letter, letter
        assert 1 <= len(data) <= 2


def test_cp1258_bytes() -> None:
    # ễ = ê (0xEA) + combining tilde (0xDE); ư = 0xFD; đ = 0xF0; à is precomposed (0xE0).
    assert text.encode_cp1258("ễ") == b"\xea\xde"
    assert text.encode_cp1258("Nguyễn Văn Hưng Đà") == b"Nguy\xea\xden V\xe3n H\xfdng \xd0\xe0"
    # Python's decoder leaves tone marks as combining characters; ours composes them.
    raw = b"Nguy\xea\xden"
    assert raw.decode("cp1258") != "Nguyễn"
    assert text.decode_cp1258(raw) == "Nguyễn"
    assert text.decode_cp1258(b"a\r\nb") == "a\r\nb"
    with pytest.raises(UnicodeEncodeError):
        text.encode_cp1258("中")
    assert text.encode_cp1258("中", errors="replace") == b"?"


# --- legacy detection ----------------------------------------------------------------------------


def test_detect_tcvn3_names() -> None:
    legacy = [text.encode_tcvn3(n) for n in NAMES]
    assert text.detect_legacy(legacy) == "tcvn3"
    fixed, encoding = text.repair_legacy(legacy)
    assert encoding == "tcvn3"
    assert [f.lower() for f in fixed] == [n.lower() for n in NAMES]
    # Exact except where a toned capital starts a word (VN3 has no code point for it).
    for f, n in zip(fixed, NAMES, strict=True):
        if not any(w[0] in TONED_CAPITALS for w in n.split()):
            assert f == n


def test_detect_tcvn3_upper_case_names() -> None:
    legacy = [text.encode_tcvn3(n.upper()) for n in NAMES]
    fixed, encoding = text.repair_legacy(legacy)
    assert encoding == "tcvn3"
    assert fixed == [n.upper() for n in NAMES]


def test_detect_tcvn3_headers() -> None:
    headers = [
        "STT",
        "Hä vµ tªn",
        "Ngµy sinh",
        "Giíi tÝnh",
        "D©n téc",
        "Líp",
        "Tr¹ng th¸i",
        "Ghi chó",
    ]
    fixed, encoding = text.repair_legacy(headers)
    assert encoding == "tcvn3"
    assert fixed == [
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Lớp",
        "Trạng thái",
        "Ghi chú",
    ]


def test_detect_vni_names() -> None:
    legacy = [text.encode_vni(n) for n in NAMES]
    assert text.detect_legacy(legacy) == "vni"
    fixed, encoding = text.repair_legacy(legacy)
    assert encoding == "vni"
    assert fixed == NAMES


def test_unicode_names_are_not_legacy() -> None:
    assert text.detect_legacy(NAMES) is None
    assert text.detect_legacy([unicodedata.normalize("NFD", n) for n in NAMES]) is None
    old_style = [n.replace("Hòa", "Hoà").replace("Thủy", "Thuỷ") for n in NAMES]
    assert text.detect_legacy(old_style) is None
    assert text.repair_legacy(NAMES) == (NAMES, None)


def test_latin1_only_vietnamese_is_not_legacy() -> None:
    # Unicode Vietnamese that happens to use only Latin-1 letters.
    values = ["Lê Hà", "Tô Hoài", "Võ Hòa", "Hoàng Lê", "Lê Thái Tô", "Hà Tú", "Hồ", "Tôn", "Hoà"]
    assert text.detect_legacy(values) is None


@pytest.mark.parametrize(
    "values",
    [
        ["Café", "René", "Élodie", "Hôtel de Ville", "thé", "Noël", "Müller", "Zoé", "été", "né"],
        ["résumé", "naïve", "façade", "Señor", "déjà vu", "São Paulo", "Ångström", "Øresund"],
        ["Ð"],
        ["Ð", "Ð", "Ð", "Ð"],
        ["Ðức", "Ðinh Văn Ân", "Ðào Thị Lan", "ÐẶNG", "Ðinh", "Ðoàn"],
        ["Ðinh", "Ðoàn", "Ðào"],
        [],
        ["1A", "2B", None, 3, float("nan")],
    ],
)
def test_not_legacy(values: list) -> None:
    assert text.detect_legacy(values) is None
    fixed, encoding = text.repair_legacy(values)
    assert encoding is None
    assert fixed == values or values != values  # NaN compares unequal to itself


def test_mixed_column_with_one_legacy_value() -> None:
    values = [*NAMES[:29], text.encode_tcvn3(NAMES[29])]
    assert text.detect_legacy(values) is None
    values = [*NAMES[:29], text.encode_vni(NAMES[29])]
    assert text.detect_legacy(values) is None


def test_legacy_column_with_some_unicode_values() -> None:
    values = [text.encode_tcvn3(n) for n in NAMES[:25]] + NAMES[25:]
    fixed, encoding = text.repair_legacy(values)
    assert encoding == "tcvn3"
    assert fixed[25:] == NAMES[25:]  # already Unicode: untouched
    assert [f.lower() for f in fixed[:25]] == [n.lower() for n in NAMES[:25]]


def test_repair_legacy_keeps_non_strings() -> None:
    values = [text.encode_tcvn3(n) for n in NAMES] + [None, 5]
    fixed, encoding = text.repair_legacy(values)
    assert encoding == "tcvn3"
    assert fixed[-2:] == [None, 5]


# --- properties ----------------------------------------------------------------------------------

ANY_TEXT = st.text(
    alphabet=st.sampled_from(
        text.VIETNAMESE_LETTERS
        + "abcdefghijklmnopqrstuvwxyzĐÐð \u00a0\t\n\u200b-'/&()*.,0123456789QG"
    ),
    max_size=40,
)
LOWER_TEXT = st.text(
    alphabet=st.sampled_from(LOWER_LETTERS + "abcdefghijklmnopqrstuvwxyz 0123456789-,."),
    max_size=40,
)


@given(ANY_TEXT)
def test_clean_idempotent(s: str) -> None:
    once = text.clean(s)
    assert text.clean(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip() and "  " not in once


@given(st.text(max_size=30))
def test_clean_idempotent_any_unicode(s: str) -> None:
    once = text.clean(s)
    assert text.clean(once) == once


@given(ANY_TEXT)
def test_clean_accepts_nfd(s: str) -> None:
    assert text.clean(unicodedata.normalize("NFD", s)) == text.clean(s)


@given(ANY_TEXT)
def test_fold_accents_is_ascii(s: str) -> None:
    folded = text.fold_accents(s)
    assert folded.isascii()
    assert folded == folded.lower()
    assert text.fold_accents(folded) == folded


@given(ANY_TEXT)
def test_keys_idempotent(s: str) -> None:
    assert text.vocab_key(text.vocab_key(s)) == text.vocab_key(s)
    assert text.header_key(text.header_key(s)) == text.header_key(s)


@given(LOWER_TEXT)
def test_tcvn3_round_trip_lower(s: str) -> None:
    assert text.decode_tcvn3(text.encode_tcvn3(s)) == s


@given(ANY_TEXT)
def test_tcvn3_round_trip_up_to_case(s: str) -> None:
    s = s.replace("Ð", "Đ").replace("ð", "đ")  # Ð is not Vietnamese (it is TCVN3's é)
    assert text.decode_tcvn3(text.encode_tcvn3(s)).lower() == s.lower()


TITLE_WORD = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from([c for c in UPPER_LETTERS + "BCDGHKLMNPQRSTVX" if c not in TONED_CAPITALS]),
    st.text(alphabet=st.sampled_from(LOWER_LETTERS + "bcdghklmnpqrstvx"), max_size=6),
)


@given(st.lists(TITLE_WORD, min_size=1, max_size=4))
def test_tcvn3_round_trip_title_case(words: list[str]) -> None:
    # Title-case words whose first letter is not a toned capital round-trip exactly.
    s = " ".join(words)
    assert text.decode_tcvn3(text.encode_tcvn3(s)) == s


@given(st.text(alphabet=st.sampled_from(UPPER_LETTERS + "BCDGHKLMNPQRSTVX "), max_size=30))
def test_tcvn3_round_trip_all_capitals(s: str) -> None:
    # All-capital text with at least one word of two letters of known case round-trips exactly.
    assume(any(sum(c not in TONED_CAPITALS for c in w) >= 2 for w in s.split(" ")))
    assert text.decode_tcvn3(text.encode_tcvn3(s)) == s


@given(ANY_TEXT)
def test_vni_round_trip(s: str) -> None:
    s = s.replace("Ð", "Đ").replace("ð", "đ")
    assert text.decode_vni(text.encode_vni(s)) == s


@given(ANY_TEXT)
def test_cp1258_round_trip(s: str) -> None:
    s = s.replace("Ð", "Đ").replace("ð", "đ").replace("\u200b", "")
    assert text.decode_cp1258(text.encode_cp1258(s)) == s


@settings(max_examples=50)
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=30))
def test_unicode_columns_never_legacy(values: list[str]) -> None:
    assert text.detect_legacy(values) is None
    assert text.detect_legacy([text.clean(v) for v in values]) is None
