"""What changed between two versions of a year's statement, in the person's words (Chinese): the
account of a reissue (statements/services/superseding.py) sent with the new version and shown in the
person's list."""

from __future__ import annotations

from decimal import Decimal

_ACCOUNT_LABELS = (("opening", "个人账户期初余额"), ("credits", "个人账户本年记入"), ("interest", "个人账户本年利息"),
                   ("transfers_in", "个人账户本年转入"), ("transfers_out", "个人账户本年转出"),
                   ("payouts", "个人账户本年支取"), ("corrections", "个人账户本年更正"),
                   ("closing", "个人账户期末余额"))
_EMPLOYER_PARTS, _INDIVIDUAL_PARTS = (0, 2, 4, 6), (1, 3, 5)  # the snapshot's seven amounts, in order


def _yuan(value) -> str:
    return f"{Decimal(value):,.2f} 元"


def _parts_total(amounts: list[str], parts: tuple[int, ...]) -> Decimal:
    return sum((Decimal(amounts[i]) for i in parts), Decimal(0))


def snapshot_changes(old: dict, new: dict) -> list[str]:
    """What differs between two snapshots of a year, one line each in Chinese; [] when the figures
    are the same (the generation date, the code, the channel and the person's current status are
    not figures of the year)."""
    lines: list[str] = []
    old_months = {}
    for period, _e, *rest in old["months"]:
        old_months.setdefault(period, []).append(rest)
    new_months = {}
    for period, _e, *rest in new["months"]:
        new_months.setdefault(period, []).append(rest)
    changed = sorted(p for p in set(old_months) | set(new_months) if old_months.get(p) != new_months.get(p))
    if changed:
        lines.append("缴费记录有变化的月份：" + "、".join(changed))
    if old["employers"] != new["employers"]:
        lines.append("缴费单位：" + "、".join(n for _u, n in old["employers"]) + " → "
                     + "、".join(n for _u, n in new["employers"]))
    for label, parts in (("本年单位缴费合计", _EMPLOYER_PARTS), ("本年个人缴费合计", _INDIVIDUAL_PARTS)):
        before, after = _parts_total(old["totals"], parts), _parts_total(new["totals"], parts)
        if before != after:
            lines.append(f"{label}：{_yuan(before)} → {_yuan(after)}")
    for key, label in (("months_in_year", "本年缴费月数"), ("months_total", "累计缴费月数")):
        if old[key] != new[key]:
            lines.append(f"{label}：{old[key]} 个月 → {new[key]} 个月")
    if old["arrears"] != new["arrears"]:
        lines.append(f"欠缴：{old['arrears']['months']} 个月 {_yuan(old['arrears']['amount'])} → "
                     f"{new['arrears']['months']} 个月 {_yuan(new['arrears']['amount'])}")
    for key, label in _ACCOUNT_LABELS:
        if Decimal(old["account"][key]) != Decimal(new["account"][key]):
            lines.append(f"{label}：{_yuan(old['account'][key])} → {_yuan(new['account'][key])}")
    if not lines and (old["months"] != new["months"] or old["totals"] != new["totals"]):
        lines.append("缴费记录有变化")  # the same sums, rows in another order or shape
    return lines
