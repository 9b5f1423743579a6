"""How fast is a hostile .xlsx refused? (issue 13: a bomb held a worker 11.5 s before a 422)

    .venv/bin/python -m bench.xlsx_bomb [--rows 400000] [--repeat 5]

Builds a workbook whose sheet expands to `--rows` rows (about 2 MB compressed for 400,000), and
one carrying a DTD (billion laughs), then times the roster upload's reader and the entry
import's reader refusing each. Target: under 1 s for the 400,000-row bomb.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _replace_sheet(sheet_xml: bytes) -> bytes:
    """A real (openpyxl-made) workbook with its first sheet's XML replaced."""
    workbook = Workbook()
    workbook.active.append(["姓", "名"])
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in source.infolist():
            data = sheet_xml if item.filename == SHEET else source.read(item.filename)
            zf.writestr(item.filename, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def row_bomb(rows: int = 400_000, columns: int = 12) -> bytes:
    """A sheet of `rows` rows × `columns` numbers: small zipped, huge unzipped."""
    body = "".join(
        f'<row r="{r}">'
        + "".join(
            f"<c><v>{(r * 7919 + c) % 1000003 if c == 0 else c}</v></c>" for c in range(columns)
        )
        + "</row>"
        for r in range(1, rows + 1)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}">'
        f'<dimension ref="A1:L{rows}"/><sheetData>{body}</sheetData></worksheet>'
    )
    return _replace_sheet(xml.encode())


def dtd_workbook(kind: str = "laughs") -> bytes:
    """A sheet whose XML declares a DTD: nested entities ("laughs") or an external one."""
    if kind == "laughs":
        entities = '<!ENTITY a0 "lol">' + "".join(
            f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
        )
        value = "&a9;"
    else:
        entities = '<!ENTITY a9 SYSTEM "file:///etc/passwd">'
        value = "&a9;"
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [{entities}]>'
        f'<worksheet xmlns="{_NS}"><sheetData><row r="1"><c t="inlineStr"><is><t>{value}</t>'
        "</is></c></row></sheetData></worksheet>"
    )
    return _replace_sheet(xml.encode())


def _time_refusal(read, data: bytes, repeat: int) -> tuple[float, str]:
    timings, message = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            read(data)
        except Exception as error:  # the refusal is the expected outcome
            message = str(error)
        else:
            message = "NOT REFUSED"
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), message


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from nitsys.reports.athlete_files import read_table
    from nitsys.services.entry_import import read_workbook

    started = time.perf_counter()
    files = {
        f"{args.rows:,} rows x 12 columns": row_bomb(args.rows),
        f"{args.rows:,} rows x 1 column": row_bomb(args.rows, columns=1),
        # Below the size limit: parsing stops at the row limit instead.
        "150,000 rows x 1 column": row_bomb(150_000, columns=1),
        "DTD: billion laughs": dtd_workbook("laughs"),
        "DTD: external entity": dtd_workbook("external"),
    }
    print(f"built the files in {time.perf_counter() - started:.1f} s")
    readers = {
        "roster upload": lambda data: read_table("bomb.xlsx", data),
        "entry import": read_workbook,
    }
    print(f"{'file':32} {'size':>10} {'reader':14} {'refused in':>11}  message")
    for name, data in files.items():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(item.file_size for item in archive.infolist())
        for reader_name, read in readers.items():
            seconds, message = _time_refusal(read, data, args.repeat)
            size = f"{len(data) / 1e6:.2f} MB"
            print(f"{name:32} {size:>10} {reader_name:14} {seconds * 1000:>8.1f} ms  {message}")
        print(f"{'':32} expands to {expanded / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
