"""The payment order as a Chinese PDF (社会保险费缴费通知单): what to pay, to which account, quoting
which reference, by when. Deterministic (common.pdf): the same order gives the same bytes."""

from __future__ import annotations

from decimal import Decimal

from collection.models import PaymentOrder
from common.display import official_date, official_document
from common.identifiers import mask_document
from common.pdf import Table, notice_pdf
from contributions.models import ChargeKind
from contributions.terms import terms_for

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万"]


def rmb_uppercase(amount: Decimal) -> str:
    """An amount in yuan written as a cheque writes it: 12,345.60 -> 人民币壹万贰仟叁佰肆拾伍元陆角整."""
    fen_total = int((Decimal(amount) * 100).quantize(Decimal(1)))
    if fen_total < 0:
        raise ValueError("a payment order's amount is positive")
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    text, zero = "", False
    digits = str(yuan) if yuan else ""
    for i, char in enumerate(digits):
        pos = len(digits) - 1 - i
        if char == "0":
            zero = True
        else:
            if zero:
                text += "零"
                zero = False
            text += _DIGITS[int(char)] + _UNITS[pos % 4]
        if pos % 4 == 0 and pos and int(digits[max(0, i - 3):i + 1]):
            text += _SECTIONS[pos // 4]
    if yuan:
        text += "元"
    if not jiao and not fen:
        return "人民币" + (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    text += _DIGITS[fen] + "分" if fen else "整"
    return "人民币" + text


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _grouped(account_number: str) -> str:
    return " ".join(account_number[i:i + 4] for i in range(0, len(account_number), 4))


_STATE_NOTE = {"paid": "本通知单已缴清。", "expired": "本通知单已过有效期；如尚未缴费，请重新开具。",
               "cancelled": "本通知单已作废；请勿按本单缴费。"}


@official_document
def order_pdf(order: PaymentOrder) -> bytes:
    """An employer's order, or (issue 28) a flexible worker's own: the payer named by name and USCC, or by
    name and masked ID number; a person's payment is found by the reference alone."""
    employer, person, account = order.employer, order.person, order.account
    payer = employer or person
    rate = terms_for(payer.region_id).late_fee_daily_rate
    lines = list(order.lines.all())
    rows = [[f"{line.charge.period:%Y-%m}", str(ChargeKind(line.charge.kind).label),
             official_date(line.charge.due_on), _money(line.amount), _money(line.late_fee),
             _money(line.amount + line.late_fee)] for line in lines]
    rows.append(["合计", "", "", _money(sum((line.amount for line in lines), Decimal("0.00"))),
                 _money(sum((line.late_fee for line in lines), Decimal("0.00"))), _money(order.amount)])
    paragraphs = [
        f"请于{official_date(order.valid_until)}前通过银行转账将上述金额缴入收款账户，并在转账附言（用途）栏填写付款参考号"
        f" {order.reference}，款项到账后自动核销。",
        ("未填写付款参考号的款项，按附言中的统一社会信用代码核对；无法确认缴费单位的款项暂列待查，由经办机构核实后处理。"
         if employer is not None else "未填写付款参考号的款项无法确认缴费人，暂列待查，由经办机构核实后处理。"),
        f"滞纳金自欠缴之日起按日加收{rate * 100:.2f}%（《中华人民共和国社会保险法》第八十六条），本单计至开具日；"
        f"开具日后每逾期一日约加收{_money(order.late_fee_per_day)}元，以征收机构到账记录的起息日为准计算，"
        "多缴部分留作以后各期应缴费用，少缴部分继续计欠。",
        "本通知单不作为缴费凭证；缴费回单以征收机构的到账记录为据出具。",
    ]
    if order.state in _STATE_NOTE:
        paragraphs.insert(0, _STATE_NOTE[order.state])
    return notice_pdf(
        agency=f"{payer.region.name}社会保险经办机构", title="社会保险费缴费通知单",
        reference=f"付款参考号：{order.reference}",
        fields=[*([("缴费单位", employer.name), ("统一社会信用代码", employer.uscc)] if employer is not None
                  else [("缴费人", person.name), ("证件号码", mask_document(person.document_number))]),
                ("付款参考号", f"{order.reference}（转账时请填写在附言栏）"),
                ("应缴金额", f"{_money(order.amount)}元"), ("金额大写", rmb_uppercase(order.amount)),
                ("收款户名", account.account_name), ("收款账号", _grouped(account.account_number)),
                ("开户银行", account.bank_name), ("开具日期", official_date(order.issued_on)),
                ("有效期至", official_date(order.valid_until))],
        tables=[Table(["所属期", "费用类型", "缴费截止日", "欠缴金额（元）", "滞纳金（元）", "小计（元）"], rows,
                      align="clcrrr")],
        paragraphs=paragraphs,
        footer=[f"付款参考号 {order.reference}　开具日期 {official_date(order.issued_on)}　"
                f"有效期至 {official_date(order.valid_until)}",
                "依据：《中华人民共和国社会保险法》第六十条、第八十六条"])
