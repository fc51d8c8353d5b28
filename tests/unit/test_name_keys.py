"""The users index's name key (domain.keys.normalized_name): what name search and order compare."""

from __future__ import annotations

import pytest

from domain.keys import NAME_KEY_CHARS, normalized_name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("José", "jose"),
        ("Zoë Ångström", "zoe angstrom"),
        ("ＺＯＥ", "zoe"),  # full width
        ("Straße", "strasse"),  # casefold
        ("Ελένη", "ελενη"),  # Greek tonos
        ("Ёлка", "елка"),  # Cyrillic diaeresis
        ("  Ana\tMüller ", "anamuller"),  # controls removed, ends trimmed
        ("𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "unicode"),  # compatibility letters are capitals until decomposed
        ("ℍ𝕒𝕟𝕟𝕒™", "hannatm"),
        ("Ana\x7fMü\x85ller", "anamuller"),  # DEL and C1 controls too
        ("Søren Łukasz Đorđević Þór Æsa", "soren lukasz dordevic thor aesa"),  # letters NFKD keeps whole
        ("Zo\u200bë\u00ad \u2060Li\u200d", "zoe li"),  # zero-width and other format characters
        ("\u200b\ufeff \u00a0", ""),  # nothing visible: nothing to sort or find by
    ],
)
def test_case_width_and_accents_do_not_count(name: str, key: str) -> None:
    assert normalized_name(name) == key


@pytest.mark.parametrize("name", ["किरण", "สมชาย", "한국어", "محمد"])
def test_marks_that_are_part_of_other_scripts_words_stay(name: str) -> None:
    assert normalized_name(name) == name


def test_a_prefix_of_a_name_is_a_prefix_of_its_key() -> None:
    assert normalized_name("Jose Ma").startswith(normalized_name("josé m"))
    assert len(normalized_name("é" * 500)) == NAME_KEY_CHARS


def test_a_name_with_nothing_visible_sorts_and_is_found_as_the_user_id_it_is_shown_as() -> None:
    from domain.keys import name_index_sk, name_prefix_sk

    assert name_index_sk("\u200b", "zz-blank") == name_index_sk("zz-blank", "zz-blank")
    assert name_index_sk("\u200b", "zz-blank").startswith(name_prefix_sk("ZZ-"))
    assert name_index_sk(None, "u1") == name_index_sk("u1", "u1")
