"""People's names as Chinese conventions write them (issue 19, defect 4).

A name is kept in FAB's two columns, ``last_name`` holding the family name (姓) and
``first_name`` the given name (名). A Chinese name is written family name first with no space
(张伟); a Latin one given name first (Sam Wu). Either column may stay empty: one field holding
the whole name is allowed, and the name is then that field as typed.
"""

from __future__ import annotations

import unicodedata

# Two-character family names (复姓): "欧阳修" is 欧阳 + 修, not 欧 + 阳修.
COMPOUND_FAMILY_NAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "澹台",
        "呼延",
        "申屠",
        "太史",
        "百里",
        "钟离",
        "闻人",
        "赫连",
        "濮阳",
        "东郭",
        "万俟",
        "司空",
        "公羊",
        "拓跋",
    ]
)


def is_cjk(text: str) -> bool:
    """Whether ``text`` holds a Chinese (CJK) character."""
    return any(unicodedata.east_asian_width(c) == "W" and c.isalpha() for c in text)


def split_name(name: str) -> tuple[str, str]:
    """(given name, family name) of a whole name as HR types it.

    "张伟" -> ("伟", "张"); "欧阳修" -> ("修", "欧阳"); "张 伟" -> ("伟", "张") (family name
    first); "Sam Wu" -> ("Sam", "Wu"); a single Latin word stays whole in the given name.
    """
    name = " ".join(name.split())
    if is_cjk(name):
        family, _, given = name.partition(" ")
        if given:
            return given, family
        size = 2 if len(name) > 2 and name[:2] in COMPOUND_FAMILY_NAMES else 1
        return (name[size:], name[:size]) if len(name) > 1 else ("", name)
    given, _, family = name.rpartition(" ")
    return (given, family) if given else (name, "")


def full_name(given: str | None, family: str | None) -> str:
    """The name as people write it: 张伟, Sam Wu, or the one part there is."""
    given, family = (given or "").strip(), (family or "").strip()
    if not given or not family:
        return given or family
    if is_cjk(given + family):
        return family + given
    return f"{given} {family}"
