"""The shared PDF frame: Japanese text, JST print time and page numbers can be read back."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pdfplumber
import pytest

from nitsys.reports import fonts
from nitsys.reports.pdf_layout import data_table, pdf_document, styles
from tests.sample_startlist import rows

# 2026-05-16 00:30 UTC is 09:30 in Tokyo.
PRINTED_AT = datetime(2026, 5, 16, 0, 30, tzinfo=UTC)


def _pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _programme(repeat: int) -> bytes:
    lines = [["組", "腰", "ゼッケン", "氏名", "所属", "申告タイム"]]
    lines += [
        [r.heat_number, r.position, r.bib, r.full_name, r.organization, "14:30.00"]
        for r in rows() * repeat
    ]
    story = [
        data_table(lines, [12, 12, 20, 50, 50, 25], right_columns=[5]),
    ]
    return pdf_document(
        story,
        title="男子5000m プログラム",
        subtitle="第325回 10:00 スタート",
        printed_at=PRINTED_AT,
    )


@pytest.fixture(params=["embedded", "cid"])
def font(request, monkeypatch):
    """Both fonts a machine may end up with: IPAex Gothic found, or the built-in CID font."""
    if request.param == "cid":
        monkeypatch.setattr(fonts, "_installed_path", lambda: "")
        assert fonts.japanese_font() == fonts.CID_FONT
    elif fonts.japanese_font() != fonts.EMBEDDED_NAME:
        pytest.skip("no TrueType Japanese font on this machine")
    return fonts.japanese_font()


def test_japanese_text_footer_and_page_numbers_read_back(font):
    pages = _pages_text(_programme(repeat=30))
    assert len(pages) >= 2
    first = pages[0]
    assert "男子5000m プログラム" in first
    assert "第325回 10:00 スタート" in first
    # 髙 (an IBM-extension kanji) survives both fonts; 﨑 comes back as "(cid:…)" from the CID
    # font's text layer, so it is not asserted here.
    assert "髙橋 健太" in first and "1003" in first and "佐藤 優希" in first
    for number, text in enumerate(pages, start=1):
        assert "出力日時: 2026/05/16 09:30" in text
        assert f"{number} / {len(pages)}" in text
    assert styles().font == font


def test_landscape_pages_are_wider_than_tall(font):
    data = pdf_document([], title="結果記録用紙", wide=True, printed_at=PRINTED_AT)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        assert page.width > page.height
        assert "結果記録用紙" in (page.extract_text() or "")
