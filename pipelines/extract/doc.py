"""Legacy Word (.doc), Kingsoft WPS (.wps) and RTF → Document.

LibreOffice headless converts the file to DOCX (in a temporary directory, with a profile of
its own so parallel runs and a user's LibreOffice do not collide), then the DOCX reader does
the rest, tables and merged cells included. Where LibreOffice is missing or fails, antiword
(Word 97–2003 only) gives the text, its tables as text lines.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipelines.extract.document import ConverterFailed, ConverterMissing, Document
from pipelines.extract.docx import extract_docx
from pipelines.extract.encoding import decode_text
from pipelines.extract.text import extract_text_document

TIMEOUT_SECONDS = 120


def convert_with_soffice(data: bytes, suffix: str) -> bytes:
    """The file converted to DOCX by LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ConverterMissing("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as work:
        source = Path(work) / f"document.{suffix}"
        source.write_bytes(data)
        command = [
            soffice, f"-env:UserInstallation={Path(work, 'profile').as_uri()}", "--headless",
            "--norestore", "--nologo", "--nolockcheck", "--convert-to", "docx",
            "--outdir", str(Path(work, "out")), str(source),
        ]  # fmt: skip
        try:
            result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as error:
            raise ConverterFailed(f"LibreOffice took over {TIMEOUT_SECONDS} s") from error
        converted = Path(work, "out", "document.docx")
        if not converted.exists():
            detail = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise ConverterFailed(f"LibreOffice could not convert the {suffix} file: {detail}")
        return converted.read_bytes()


def convert_with_antiword(data: bytes) -> str:
    antiword = shutil.which("antiword")
    if antiword is None:
        raise ConverterMissing("antiword is not installed")
    with tempfile.NamedTemporaryFile(suffix=".doc") as source:
        source.write(data)
        source.flush()
        try:
            result = subprocess.run(
                [antiword, "-m", "UTF-8.txt", "-w", "0", source.name],
                capture_output=True, timeout=TIMEOUT_SECONDS,
            )  # fmt: skip
        except subprocess.TimeoutExpired as error:
            raise ConverterFailed(f"antiword took over {TIMEOUT_SECONDS} s") from error
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise ConverterFailed(f"antiword could not read the file: {detail}")
    return decode_text(result.stdout)[0]


def extract_doc(data: bytes, *, suffix: str = "doc") -> Document:
    """``suffix``: doc, wps or rtf, the format LibreOffice is told the file is."""
    try:
        document = extract_docx(convert_with_soffice(data, suffix))
        document.method = f"{suffix}:soffice->docx"
        return document
    except (ConverterMissing, ConverterFailed) as soffice_error:
        if suffix != "doc":
            raise
        try:
            document = extract_text_document(convert_with_antiword(data))
        except ConverterMissing:
            raise soffice_error from None
        document.method = "doc:antiword"
        document.warnings.append(f"{soffice_error}; read with antiword (tables as text)")
        return document
