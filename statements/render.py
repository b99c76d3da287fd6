"""The statement as an official notice on A4, in Chinese, from its snapshot alone.

Nothing here reads the database or the clock: the same snapshot text gives the same PDF bytes, so
a statement's PDF is rendered when it is needed (e-mail, print batch, download) and never stored.
The labels are fixed Chinese text, not translations, for the same reason.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.conf import settings

from common.display import official_date, official_document
from common.pdf import A4_H_MM, A4_W_MM, Document, Page, face, wrap
from statements.snapshot import verification_code_display

MARGIN = 18.0
WIDTH = A4_W_MM - 2 * MARGIN
BOTTOM = A4_H_MM - 16.0
ROW_H = 4.5  # a month's row: twelve months, the pension line and the QR code fit one page

STATUS = {"pension": "领取养老金", "active": "正常参保", "suspended": "暂停参保（保留个人账户）", "awaiting_refund": "待支付", "closed": "已终止",
          "": "—"}
CHANNEL = {"email": "电子邮件", "post": "邮寄", "online": "网上查询"}

# Month table: (header, sub-header, width mm, align)
_COLUMNS = (
    ("月份", "", 15.0, "c"), ("单位", "", 11.0, "c"), ("缴费基数", "", 20.0, "r"),
    ("养老保险", "单位", 16.5, "r"), ("养老保险", "个人", 16.0, "r"),
    ("医疗保险", "单位", 16.0, "r"), ("医疗保险", "个人", 15.0, "r"),
    ("失业保险", "单位", 14.0, "r"), ("失业保险", "个人", 14.0, "r"),
    ("工伤保险", "单位", 14.0, "r"), ("状态", "", 12.5, "c"),
)


def checksum_of(snapshot_text: str) -> str:
    return hashlib.sha256(snapshot_text.encode("utf-8")).hexdigest()


def _amount(text: str) -> str:
    value = Decimal(text)
    return f"{value:,.2f}"


def _months(n: int) -> str:
    years, months = divmod(n, 12)
    if years and months:
        return f"{n}个月（{years}年{months}个月）"
    if years:
        return f"{n}个月（{years}年）"
    return f"{n}个月"


class _Pages:
    def __init__(self, doc: Document, snap: dict, checksum: str):
        self.doc, self.snap, self.checksum = doc, snap, checksum
        self.pages: list[Page] = []
        self.new_page()

    def new_page(self) -> None:
        s = self.snap
        p = self.doc.page()
        self.pages.append(p)
        p.text(A4_W_MM / 2, 20, s["agency"]["name"], size=12, face_name="sans", align="c")
        p.text(A4_W_MM / 2, 31, f"{s['year']}年度社会保险个人权益记录单", size=18, face_name="sans", bold=True,
               align="c")
        p.line(MARGIN, 36, A4_W_MM - MARGIN, 36, width=1.4)
        p.line(MARGIN, 37.3, A4_W_MM - MARGIN, 37.3, width=0.4)
        p.text(MARGIN, 43, f"核验码：{verification_code_display(s['code'])}", size=9, face_name="sans")
        p.text(A4_W_MM - MARGIN, 43, f"生成日期：{official_date(s['generated_on'])}", size=9, face_name="sans", align="r")
        self.page = p
        self.y = 50.0

    def room(self, needed: float) -> bool:
        if self.y + needed > BOTTOM - 10:
            self.new_page()
            return False
        return True

    def finish(self) -> None:
        total = len(self.pages)
        for n, p in enumerate(self.pages, start=1):
            p.line(MARGIN, BOTTOM - 4, A4_W_MM - MARGIN, BOTTOM - 4, width=0.3)
            p.text(MARGIN, BOTTOM, f"校验值 SHA-256：{self.checksum}", size=6.5, face_name="sans")
            p.text(A4_W_MM - MARGIN, BOTTOM, f"第{n}页 共{total}页", size=7.5, face_name="sans", align="r")


def _identity(w: _Pages) -> None:
    s, p = w.snap, w.page
    person = s["person"]
    rows = [("姓名", person["name"], "公民身份号码", person["document"]),
            ("参保状态", STATUS.get(person["status"], person["status"]), "参保地", person["region"]),
            ("本年缴费月数", f"{s['months_in_year']}个月", "累计缴费月数", _months(s["months_total"])),
            ("送达方式", CHANNEL.get(s["channel"], s["channel"]), "", "")]
    h = 6.8
    top = w.y
    p.rect(MARGIN, top, WIDTH, h * len(rows), width=0.5)
    for i, (l1, v1, l2, v2) in enumerate(rows):
        y = top + h * i
        if i:
            p.line(MARGIN, y, MARGIN + WIDTH, y, width=0.25)
        p.rect(MARGIN, y, 28, h, fill_gray=0.93, width=0.25)
        p.text(MARGIN + 2, y + 4.7, l1, size=9.5, face_name="sans")
        p.text(MARGIN + 31, y + 4.7, v1, size=9.5, face_name="sans")
        if l2:
            p.rect(MARGIN + 85, y, 28, h, fill_gray=0.93, width=0.25)
            p.text(MARGIN + 87, y + 4.7, l2, size=9.5, face_name="sans")
            p.text(MARGIN + 116, y + 4.7, v2, size=9.5, face_name="sans")
    w.y = top + h * len(rows) + 5
    employers = s["employers"]
    p.text(MARGIN, w.y + 1, "本年度缴费单位：", size=9.5, face_name="sans", bold=True)
    w.y += 6
    if not employers:
        p.text(MARGIN + 4, w.y + 1, "本年度无单位缴费记录。", size=9.5, face_name="sans")
        w.y += 6
    for n, (uscc, name) in enumerate(employers, start=1):
        w.room(6)
        w.page.text(MARGIN + 4, w.y + 1, f"单位{n}　{name}（统一社会信用代码 {uscc}）", size=9.5, face_name="sans")
        w.y += 5.5
    w.y += 3


def _table_header(w: _Pages) -> None:
    p, y = w.page, w.y
    h = 5.0
    p.rect(MARGIN, y, WIDTH, h * 2, fill_gray=0.9, width=0.4)
    x = MARGIN
    groups: dict[str, tuple[float, float]] = {}
    for head, sub, width, _align in _COLUMNS:
        if sub:
            start, end = groups.get(head, (x, x))
            groups[head] = (start, x + width)
            p.text(x + width / 2, y + h + 3.6, sub, size=8, face_name="sans", align="c")
            p.line(x, y + h, x, y + 2 * h, width=0.25)
        else:
            p.text(x + width / 2, y + h + 1.2, head, size=8, face_name="sans", align="c")
            p.line(x, y, x, y + 2 * h, width=0.25)
        x += width
    for head, (start, end) in groups.items():
        p.text((start + end) / 2, y + 3.6, head, size=8, face_name="sans", align="c")
        p.line(start, y, start, y + 2 * h, width=0.25)
        p.line(start, y + h, end, y + h, width=0.25)
    w.y = y + 2 * h


def _row(w: _Pages, cells: list[str], *, shade: bool = False, bold: bool = False) -> None:
    h = ROW_H
    p = w.page
    if shade:
        p.rect(MARGIN, w.y, WIDTH, h, fill_gray=0.95, width=0.25)
    else:
        p.rect(MARGIN, w.y, WIDTH, h, width=0.25)
    x = MARGIN
    for (_head, _sub, width, align), cell in zip(_COLUMNS, cells, strict=True):
        tx = {"l": x + 1.5, "r": x + width - 1.5, "c": x + width / 2}[align]
        p.text(tx, w.y + 3.3, cell, size=8, face_name="sans", bold=bold, align=align)
        x += width
    w.y += h


def _month_table(w: _Pages) -> None:
    s = w.snap
    w.page.text(MARGIN, w.y + 1, "一、本年度缴费明细（单位：元）", size=10.5, face_name="sans", bold=True)
    w.y += 4
    _table_header(w)
    if not s["months"]:
        _row(w, ["—", "—", "—", "—", "—", "—", "—", "—", "—", "—", "—"])
    for period, employer, base, amounts, paid, source in s["months"]:
        if w.y + ROW_H > BOTTOM - 10:
            w.new_page()
            _table_header(w)
        status = ("已缴" if paid else "欠缴") + ("*" if source == "d" else "")
        who = "灵活就业" if source == "f" else str(employer)  # issue 28: paid by the person themselves
        _row(w, [period, who, _amount(base), *(_amount(a) for a in amounts), status])
    if w.y + ROW_H > BOTTOM - 10:
        w.new_page()
        _table_header(w)
    _row(w, ["合计", "", "", *(_amount(a) for a in s["totals"]), ""], shade=True, bold=True)
    w.y += 2
    if any(m[5] == "d" for m in s["months"]):
        w.page.text(MARGIN, w.y + 2, "* 经办机构依《社会保险法》第五十八条核定的月份。", size=7.5, face_name="sans")
        w.y += 4
    w.y += 3


def _summary(w: _Pages) -> None:
    s, a = w.snap, w.snap["account"]
    w.room(62)
    p = w.page
    p.text(MARGIN, w.y + 1, "二、基本养老保险个人账户（单位：元）", size=10.5, face_name="sans", bold=True)
    w.y += 4
    items = [("上年末余额", a["opening"]), ("本年记账金额", a["credits"]), ("本年记账利息", a["interest"]),
             ("本年转入", a["transfers_in"]), ("本年转出", a["transfers_out"]), ("本年支付", a["payouts"]),
             ("本年调整", a["corrections"]), ("本年末余额", a["closing"])]
    box_h = 6.5 * 4 + 4
    p.rect(MARGIN, w.y, WIDTH, box_h, width=0.8)
    half = WIDTH / 2
    for i, (label, value) in enumerate(items):
        col, row = divmod(i, 4)
        x = MARGIN + col * half
        y = w.y + 2 + row * 6.5
        last = label == "本年末余额"
        p.text(x + 4, y + 4.6, label, size=9.5, face_name="sans", bold=last)
        p.text(x + half - 6, y + 4.6, _amount(value), size=9.5, face_name="sans", bold=last,
               align="r")
    p.line(MARGIN + half, w.y, MARGIN + half, w.y + box_h, width=0.25)
    w.y += box_h + 4
    arrears = s["arrears"]
    text = (f"本年度欠缴 {arrears['months']} 个月，欠缴金额 {_amount(arrears['amount'])} 元；"
            "欠缴由用人单位依法补缴，补缴后按规定记入个人账户。") if arrears["months"] else "本年度无欠缴记录。"
    p.text(MARGIN, w.y + 1, "三、欠缴情况：" + text, size=9.5, face_name="sans")
    w.y += 8


PART_NAMES = {"basic": "基础养老金", "account": "个人账户养老金", "transitional": "过渡性养老金",
              "supplements": "地方性补贴"}


def _pension(w: _Pages) -> None:
    """The estimate at the statutory retirement month (issue 27 item 4): one line and its assumptions."""
    e = w.snap.get("pension")
    if not e:
        return
    year, month = e["month"].split("-")
    when = f"{int(year)}年{int(month)}月（{e['age'][0]}岁{e['age'][1]}个月）"
    if e["months_missing"]:
        text = (f"养老金测算：您将于{when}达到法定退休年龄；如自即日起停止缴费，累计缴费{e['months_counted']}个月，"
                f"距按月领取的最低缴费年限差{e['months_missing']}个月，可继续缴费或届时一次性领取个人账户储存额。")
    elif e["total"] is None:
        text = (f"养老金测算：您将于{when}达到法定退休年龄；测算所需参数尚未公布，暂无法测算："
                + "".join(e["missing"]))
    else:
        parts = "，".join(f"{PART_NAMES.get(k, k)}{_amount(v)}元" for k, v in e["parts"] if v is not None)
        text = (f"养老金测算：您将于{when}达到法定退休年龄；如自即日起停止缴费，按现行参数测算月基本养老金约"
                f"{_amount(e['total'])}元（{parts}）。")
    lines = wrap(text + "假设：" + "".join(e["assumptions"]) + "以退休时核定为准。", WIDTH, size=7.5,
                 face_name="sans")
    for line in lines:
        w.room(3.7)
        w.page.text(MARGIN, w.y + 1, line, size=7.5, face_name="sans")
        w.y += 3.7
    w.y += 1.0


def _dispute(w: _Pages) -> None:
    s = w.snap
    agency = s["agency"]
    where = agency["name"] + (f"（{agency['address']}）" if agency["address"] else "")
    text = ("四、查询与异议：本记录单依据《中华人民共和国社会保险法》第七十四条免费寄送。您可随时登录网上服务平台"
            "免费查询本人缴费和个人账户记录。如对记录有异议，请自收到本记录单之日起六十日内，持本人有效身份证件到"
            f"{where}申请核查；经核实确有差错的，经办机构予以更正。")
    lines = wrap(text, WIDTH, size=9.5, face_name="sans")
    for line in lines:
        w.room(5.6)
        w.page.text(MARGIN, w.y + 1, line, size=9.5, face_name="sans")
        w.y += 5.6


def _verification(w: _Pages) -> None:
    """The QR code (the verification URL and the signed figures) and how to check the statement."""
    from common.identifiers import mask_name
    from statements.signing import qr_text, verification_url

    s = w.snap
    size = 24.0
    if w.y + size > BOTTOM - 6:  # above the footer's rule; else on a page of its own
        w.new_page()
    top = w.y
    w.page.qr(MARGIN, top, size, qr_text(s, masked_name=mask_name(s["person"]["name"]), checksum=w.checksum))
    text = ("五、核验：任何单位可扫描左侧二维码或访问 "
            f"{verification_url(verification_code_display(s['code']))} 免费核验，结果显示年度、姓名（部分隐去）、"
            "本年及累计缴费月数、个人账户年末余额、本年单位和个人缴费合计及校验值，请逐项核对。二维码另含经办机构"
            f"电子签名的上述数据，可用 {settings.PUBLIC_BASE_URL}/.well-known/statement-keys.json 公布的公钥离线核验。")
    y = top + 1
    for line in wrap(text, WIDTH - size - 5, size=8.5, face_name="sans"):
        w.page.text(MARGIN + size + 5, y + 1, line, size=8.5, face_name="sans")
        y += 4.6
    w.y = max(top + size, y) + 3


def statement_draw(doc: Document, snapshot_text: str) -> None:
    """Draws one statement (one page, more when the months do not fit) into doc."""
    snap = json.loads(snapshot_text)
    w = _Pages(doc, snap, checksum_of(snapshot_text))
    _identity(w)
    _month_table(w)
    _summary(w)
    _pension(w)
    _dispute(w)
    _verification(w)
    w.finish()


@official_document
def statement_pdf(snapshot_text: str) -> bytes:
    snap_year = json.loads(snapshot_text)["year"]
    doc = Document(title=f"{snap_year}年度社会保险个人权益记录单")
    statement_draw(doc, snapshot_text)
    return doc.bytes()


def warm_fonts() -> None:
    """Loads both faces (a worker does it once before its first statement)."""
    face("sans")
    face("serif")
