"""The letter confirming a disputed record as recorded, in Chinese (common.pdf): deterministic, the
same decision gives the same bytes."""

from __future__ import annotations

from common.display import official_date, official_document
from common.identifiers import mask_document
from common.pdf import notice_pdf
from disputes.models import Dispute


@official_document
def letter_pdf(dispute: Dispute) -> bytes:
    person, region = dispute.person, dispute.region
    return notice_pdf(
        agency=f"{region.name}社会保险经办机构", title="参保记录异议复核结果告知书",
        reference=dispute.letter_number,
        fields=[("姓名", person.name), ("公民身份号码", mask_document(person.document_number)),
                ("异议事项", f"{dispute.get_subject_kind_display()} {dispute.subject_text()}"),
                ("提出日期", official_date(dispute.filed_on)),
                ("复核结论", "经核查，维持原记录"),
                ("告知日期", official_date(dispute.decided_at))],
        paragraphs=["您对本人参保记录提出的异议已收悉。经核查，原记录无误，予以维持。理由如下：",
                    dispute.decision_reasons,
                    "如对本结论不服，可依法申请行政复议或者提起行政诉讼。"],
        footer=["依据：《社会保险法》第七十四条；人力资源和社会保障部令第14号（2011年）"])
