"""Hand-built PDFs, valid in structure and hostile in content, for the ingestion fuzz tests."""

from __future__ import annotations

import zlib


def build_pdf(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF with these objects (numbered from 1) and a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page(content: bytes, *, count: int = 1, resources: bytes = b"") -> bytes:
    """Catalog, a page tree claiming ``count`` pages, one page drawing ``content``."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> " + resources + b" >> >>",
            content,
            font,
        ]
    )


def text_content(text: str) -> bytes:
    return stream(b"BT /F1 12 Tf 72 700 Td (%s) Tj ET" % text.encode("latin-1"))


def decompression_bomb(inflated_mb: int = 400) -> bytes:
    """A page whose FlateDecode content stream inflates to ``inflated_mb`` MiB (of spaces)."""
    packer = zlib.compressobj(9)
    block = b" " * (1024 * 1024)
    packed = b"".join(packer.compress(block) for _ in range(inflated_mb)) + packer.flush()
    return one_page(stream(packed, b"/Filter /FlateDecode"))


def deep_array(depth: int) -> bytes:
    """A content stream referencing a resource nested ``depth`` arrays deep."""
    nested = b"[" * depth + b"1" + b"]" * depth
    return one_page(text_content("deep"), resources=b"/ProcSet " + nested)


def deep_dict(depth: int) -> bytes:
    nested = b"<< /A " * depth + b"1" + b" >>" * depth
    return one_page(text_content("deep"), resources=b"/ExtGState " + nested)


def reference_loop() -> bytes:
    """A page tree whose kid is the tree itself."""
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
        ]
    )
