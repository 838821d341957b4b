"""External converters (LibreOffice, Tesseract) run in their own session, killed as a group on timeout."""
from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes


def run_killable(command: list[str], timeout: float, cwd: Path | None = None) -> Completed:
    """Run `command`; on timeout kill its whole process group (soffice forks soffice.bin) and raise TimeoutExpired."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        cwd=cwd, start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return Completed(process.returncode, stdout, stderr)
