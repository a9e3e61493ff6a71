"""Amounts of money in Chinese capitals (大写金额), as cheques, receipts and approval sheets
write them so that no stroke can turn one figure into another: 1234.50 is
壹仟贰佰叁拾肆元伍角整.

The conventions followed are the banks' (《支付结算办法》 appendix, "中文大写金额数字"):

- the figures 零壹贰叁肆伍陆柒捌玖 and the units 拾佰仟, 万, 亿, 元, 角, 分;
  "拾" always with its figure (壹拾元整, never 拾元整);
- one 零 stands for a run of zeros between figures (壹仟零壹元整, 壹亿零壹万元整), none
  at the end of a group (壹拾万元整);
- 整 after 元 or 角 when there are no 分 (壹佰元整, 伍角整); no 整 after 分;
- an amount below one yuan starts at its 角 or 分 (伍角整, 伍分), and 零元整 is nothing;
  when the 角 is zero between 元 and 分, 零 stands for it (壹佰元零伍分).

Pure: no Flask, no database. Negative amounts, fractions of a cent and amounts of a trillion
(万亿, 10^12) yuan or more are refused (:class:`ValueError`): a sheet shows those in figures
only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FIGURES = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP = ("", "拾", "佰", "仟")  # units inside a group of four figures
_GROUPS = ("", "万", "亿")  # units of the groups, lowest first
LIMIT = Decimal(10) ** 12  # 万亿 and above would need 亿 of 万: no expense comes near
CENT = Decimal("0.01")


def _amount(value: Decimal | int | str) -> Decimal:
    """``value`` as a Decimal of whole cents, or ValueError naming what is wrong."""
    if isinstance(value, float | bool):
        raise ValueError("an amount must be exact (Decimal, int or text), not a float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    if amount < 0:
        raise ValueError("a negative amount has no capitals")
    if amount >= LIMIT:
        raise ValueError("the amount is too large for capitals")
    if amount != amount.quantize(CENT):
        raise ValueError("an amount in capitals has at most two decimals (fen)")
    return amount.quantize(CENT)


def _group(number: int) -> str:
    """The capitals of 1..9999, with 零 for inner zeros (not leading, not trailing)."""
    digits = f"{number:04d}"
    text, zeros = "", False
    for position, digit in enumerate(digits):
        value = int(digit)
        if value == 0:
            zeros = bool(text)  # a zero after a figure; leading zeros are not written
            continue
        if zeros:
            text += "零"
            zeros = False
        text += FIGURES[value] + _IN_GROUP[3 - position]
    return text


def _yuan(number: int) -> str:
    """The capitals of a whole number of yuan (without 元); "" for 0."""
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    text = ""
    pending_zero = False  # a run of zeros between figures, across groups
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(text)
            continue
        if text and (pending_zero or group < 1000):
            text += "零"  # zeros between this group's first figure and the last figure written
        text += _group(group) + _GROUPS[index]
        pending_zero = group % 10 == 0
    return text


def amount_in_capitals(value: Decimal | int | str) -> str:
    """The capitals of an amount of yuan: ``Decimal("1234.50")`` -> 壹仟贰佰叁拾肆元伍角整.

    ``value`` is a Decimal, an int or the stored text of a money field ("1234.50"); a
    negative amount, a fraction of a cent or an amount of 10^12 or more is a ValueError."""
    amount = _amount(value)
    cents = int(amount * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    text = _yuan(yuan)
    if text:
        text += "元"
    if jiao:
        text += FIGURES[jiao] + "角"
    elif fen and text:
        text += "零"  # 壹佰元零伍分: the zero 角 between 元 and 分
    if fen:
        return text + FIGURES[fen] + "分"
    return text + "整"


def amount_from_capitals(text: str) -> Decimal:
    """The amount written ``text`` in capitals (the inverse of :func:`amount_in_capitals`,
    for checking it); ValueError for a character that is not a figure or a unit."""
    text = text.strip().removesuffix("整")
    yuan_text, _, cents_text = text.rpartition("元") if "元" in text else ("", "", text)
    total = section = number = 0
    for char in yuan_text:
        if char in FIGURES:
            number = FIGURES.index(char)
        elif char in "拾佰仟":
            section += number * 10 ** ("拾佰仟".index(char) + 1)
            number = 0
        elif char == "万":
            section = (section + number) * 10_000
            number = 0
        elif char == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
        else:
            raise ValueError(f"not a capital figure or unit: {char!r}")
    yuan = total + section + number
    cents = number = 0
    for char in cents_text:
        if char in FIGURES:
            number = FIGURES.index(char)
        elif char == "角":
            cents += number * 10
            number = 0
        elif char == "分":
            cents += number
            number = 0
        else:
            raise ValueError(f"not a capital figure or unit: {char!r}")
    return Decimal(yuan) + Decimal(cents) / 100
