"""``cpq-desktop logs export``: a run's log folder as one zip file, to attach to a support ticket.

The files were redacted when they were written; on the way into the zip they pass through the
process-wide redactor once more, so a secret registered since (in the app, the secrets of its open
profiles) or a token shape the redactor learned later is masked too. Bytes that are not UTF-8 (a killed
run's last character, cut in half) are copied as they are. The zip is written next to its destination
under a temporary name and renamed at the end: a failed export leaves no half-written file behind.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from cpq_desktop.core.redaction import Redactor, default_redactor
from cpq_desktop.core.runlog.folders import RUN_FILES, run_folder

_CHUNK_LINES = 2000


class ExportError(Exception):
    """The zip cannot be written; ``str()`` says where and what to do."""


def export_run(
    run_id: str, destination: Path, *, log_root: Path | None = None, redactor: Redactor | None = None
) -> Path:
    """Zip the logs of ``run_id`` into ``destination`` (``UnknownRunLogError`` for an unknown run id)."""
    folder = run_folder(run_id, log_root)
    scrub = redactor if redactor is not None else default_redactor
    if destination.is_dir():
        raise ExportError(
            f"{destination} is a folder; give the zip file's name, e.g. {destination / (run_id + '.zip')}"
        )
    if not destination.parent.is_dir():
        raise ExportError(f"cannot write {destination}: the folder {destination.parent} does not exist")
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in RUN_FILES:
                source = folder / name
                if not source.is_file():
                    continue
                with (
                    source.open(encoding="utf-8", errors="surrogateescape", newline="") as reader,
                    archive.open(f"{run_id}/{name}", "w") as writer,
                ):
                    chunk: list[str] = []
                    for line in reader:
                        chunk.append(line)
                        if len(chunk) >= _CHUNK_LINES:
                            writer.write(scrub.redact("".join(chunk)).encode("utf-8", "surrogateescape"))
                            chunk = []
                    writer.write(scrub.redact("".join(chunk)).encode("utf-8", "surrogateescape"))
        os.replace(partial, destination)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(
            f"cannot write {destination}: {exc.strerror or exc}. Choose a writable folder with free space."
        ) from None
    return destination
