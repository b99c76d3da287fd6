"""The PDF writer behind statements, letters and forms: deterministic, embedded, readable."""

from pypdf import PdfReader

from common.pdf import Document, Table, notice_pdf


def _read(data: bytes, tmp_path) -> PdfReader:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return PdfReader(str(path))


def _notice(name: str = "张三丰") -> bytes:
    return notice_pdf(
        agency="上海市社会保险事业管理中心", title="参保缴费凭证", reference="No. 42",
        fields=[("姓名", name), ("公民身份号码", "110101********1234")],
        tables=[Table(["年月", "缴费基数"], [["2025-01", "8,000.00"], ["2025-02", "8,100.00"]], align="lr")],
        paragraphs=["如有异议，请向参保地社会保险经办机构申请复核。"], footer=["核验码：ABCD-EFGH"])


def test_the_same_drawing_gives_the_same_bytes_and_another_name_other_bytes():
    assert _notice() == _notice()
    assert _notice() != _notice("李四")


def test_the_text_reads_back_in_chinese(tmp_path):
    text = _read(_notice(), tmp_path).pages[0].extract_text()
    for expected in ("上海市社会保险事业管理中心", "参保缴费凭证", "张三丰", "110101********1234", "8,100.00",
                     "核验码：ABCD-EFGH"):
        assert expected in text


def test_every_font_is_embedded_in_the_file(tmp_path):
    # Print shops refuse a PDF that names a font without carrying it: each font here is a Type 3
    # font whose glyph procedures are in the file.
    page = _read(_notice(), tmp_path).pages[0]
    fonts = page["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/Type3"
        assert len(font["/CharProcs"]) == font["/LastChar"] - font["/FirstChar"] + 1


def test_more_distinct_characters_than_one_font_holds_still_read_back(tmp_path):
    many = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 600))  # 600 distinct ideographs
    doc = Document(title="many")
    page = doc.page()
    for row in range(0, 600, 40):
        page.text(15, 20 + row / 3, many[row:row + 40], size=8)
    text = _read(doc.bytes(), tmp_path).pages[0].extract_text().replace("\n", "")
    assert text == many


def test_a_long_table_continues_on_a_second_page_with_its_header(tmp_path):
    rows = [[f"{y}-{m:02d}", "1.00"] for y in range(2010, 2016) for m in range(1, 13)]
    reader = _read(notice_pdf(agency="A", title="T", tables=[Table(["年月", "金额"], rows)]), tmp_path)
    assert len(reader.pages) == 3
    second, last = reader.pages[1].extract_text(), reader.pages[2].extract_text()
    assert "年月" in second and "2013-01" in second
    assert "2015-12" in last and "3/3" in last
