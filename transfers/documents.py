"""The PDFs of a transfer and of a suspension: the letter of consent to receive (同意接收函), the transfer
information form (基本养老保险关系转移接续信息表) and the contribution certificate (参保缴费凭证).
Deterministic (common.pdf): the same record gives the same bytes."""

from __future__ import annotations

from common.display import official_date, official_document
from common.identifiers import mask_document
from common.pdf import Table, notice_pdf
from transfers.models import Transfer


def _agency(region) -> str:
    return f"{region.name}社会保险经办机构"


@official_document
def letter_pdf(transfer: Transfer) -> bytes:
    person = transfer.person
    return notice_pdf(
        agency=_agency(transfer.to_region), title="基本养老保险关系转移接续同意接收函",
        reference=transfer.letter_number,
        fields=[("姓名", person.name), ("公民身份号码", person.document_number),
                ("原参保地", f"{transfer.from_region.code} {transfer.from_region.name}"),
                ("新参保地", f"{transfer.to_region.code} {transfer.to_region.name}"),
                ("出具日期", official_date(transfer.letter_on) if transfer.letter_on else "")],
        paragraphs=[f"经审核，同意接收{person.name}的基本养老保险关系。请原参保地社会保险经办机构自收到本函之日起"
                    "15个工作日内办理转移手续，转移基本养老保险关系和资金，并出具基本养老保险关系转移接续信息表。"],
        footer=["依据：国务院办公厅国办发〔2009〕66号"])


@official_document
def form_pdf(transfer: Transfer) -> bytes:
    form = transfer.form or {}
    person = transfer.person
    rows = [[str(y["year"]), str(y["months"]), y["bases"]] for y in form.get("by_year", [])]
    return notice_pdf(
        agency=_agency(transfer.from_region), title="基本养老保险关系转移接续信息表",
        reference=transfer.letter_number,
        fields=[("姓名", person.name), ("公民身份号码", person.document_number),
                ("转出地", f"{transfer.from_region.code} {transfer.from_region.name}"),
                ("转入地", f"{transfer.to_region.code} {transfer.to_region.name}"),
                ("缴费月数", str(form.get("months", transfer.months or 0))),
                ("1998年1月1日以来缴费月数", str(form.get("pooled_months", transfer.pooled_months or 0))),
                ("个人账户转移金额（元）", form.get("account_amount", "")),
                ("统筹基金转移金额（元）", form.get("pooled_amount", "")),
                ("转移月份", form.get("transfer_month", ""))],
        tables=[Table(["年度", "缴费月数", "缴费基数合计（元）"], rows, align="crr")] if rows else [],
        paragraphs=["统筹基金按1998年1月1日以来各年度实际缴费工资基数之和的12%计算；个人账户储存额计息至转移当月。"],
        footer=["依据：国务院办公厅国办发〔2009〕66号"])


@official_document
def certificate_pdf(certificate) -> bytes:
    data = certificate.as_dict()
    rows = [[str(y["year"]), str(y["months"]), y["bases"]] for y in data["by_year"]]
    return notice_pdf(
        agency=_agency(certificate.region), title="参保缴费凭证",
        fields=[("姓名", certificate.person.name), ("公民身份号码", mask_document(certificate.person.document_number)),
                ("参保地", f"{certificate.region.code} {certificate.region.name}"),
                ("参保关系状态", certificate.relationship.get_state_display()),
                ("累计缴费", f"{data['years']}年{data['months']}个月（{data['months_of_contribution']}个月）"),
                ("缴费基数合计（元）", data["bases_total"]),
                ("个人账户余额（元）", data["account_balance"]),
                ("出具日期", official_date(certificate.issued_on))],
        tables=[Table(["年度", "缴费月数", "缴费基数合计（元）"], rows, align="crr")] if rows else [],
        footer=["本凭证用于办理基本养老保险关系转移接续。"])
