"""The decision letter of a pension determination (养老保险待遇核定通知书), in Chinese, deterministic
(common.pdf): the same determination gives the same bytes."""

from __future__ import annotations

from decimal import Decimal

from common.display import official_date, official_document
from common.identifiers import mask_document
from common.pdf import Table, notice_pdf
from pensions.models import Determination, DeterminationKind

PART_LABELS = {"basic": "基础养老金", "account": "个人账户养老金", "transitional": "过渡性养老金",
               "supplements": "地方性补贴"}


def _inputs(part: dict) -> str:
    return "；".join(f"{i['label']} {i['value']}" for i in part.get("inputs", []))


@official_document
def determination_letter_pdf(row: Determination) -> bytes:
    person, region = row.person, row.region
    redetermined = row.kind == DeterminationKind.REDETERMINATION
    title = "基本养老金重新核定通知书" if redetermined else "基本养老保险待遇核定通知书"
    fields = [("姓名", person.name), ("公民身份号码", mask_document(person.document_number)),
              ("参保地", f"{region.code} {region.name}"),
              ("退休年月", f"{row.retirement_month:%Y年%m月}"), ("退休年龄", f"{row.age_years}岁{row.age_months}个月"),
              ("缴费月数", f"实际缴费{row.months_paid}个月，视同缴费{row.months_deemed}个月"),
              ("平均缴费指数", f"{row.index}"),
              ("计发基数（元/月）", f"{row.benefit.benefit_base:,.2f}（{row.benefit.year}年度）"),
              ("个人账户储存额（元）", f"{row.balance:,.2f}"), ("计发月数", f"{row.divisor}"),
              ("核定日期", official_date(row.approved_at or row.proposed_at))]
    rows = [[PART_LABELS.get(p["key"], p["label"]), f"{Decimal(p['amount']):,.2f}"] for p in row.parts]
    rows.append(["月基本养老金合计", f"{row.total:,.2f}"])
    paragraphs = [f"经核定，您自{row.retirement_month:%Y年%m月}起按月领取基本养老金{row.total:,.2f}元。"
                  "基本养老金由基础养老金、个人账户养老金、过渡性养老金和地方性补贴组成，各项计算依据如下。"]
    paragraphs += [f"{PART_LABELS.get(p['key'], p['label'])}：{_inputs(p)}。" for p in row.parts if p.get("inputs")]
    if row.provisional:
        paragraphs.append(f"{row.retirement_month:%Y}年度计发基数尚未公布，暂按{row.benefit.year}年度计发基数核定；"
                          "公布后将重新核定并补发差额。")
    if redetermined:
        paragraphs.append(f"按公布的{row.benefit.year}年度计发基数重新核定，月基本养老金调整为{row.total:,.2f}元，"
                          f"每月差额{row.difference:,.2f}元，应补发{row.months_owed}个月共{row.amount_owed:,.2f}元。")
    paragraphs.append("如对本核定有异议，可自收到本通知书之日起60日内申请行政复议，或6个月内提起行政诉讼。")
    return notice_pdf(agency=f"{region.province}{region.name}社会保险经办机构", title=title,
                      reference=f"DY{region.code}-{row.pk}", fields=fields,
                      tables=[Table(["项目", "金额（元/月）"], rows, align="lr")], paragraphs=paragraphs,
                      footer=["依据：《国务院关于完善企业职工基本养老保险制度的决定》（国发〔2005〕38号）"])
