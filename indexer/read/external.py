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


def run_killable(command: list[str], timeout: float, cwd: Path | None = None, input: bytes | None = None,
                 env: dict[str, str] | None = None) -> Completed:
    """Run `command` (fed `input` on its stdin when given, with environment `env` when given); on timeout kill its
    whole process group (soffice forks soffice.bin) and raise TimeoutExpired."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL if input is None else subprocess.PIPE, cwd=cwd, start_new_session=True, env=env,
    )
    try:
        stdout, stderr = process.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return Completed(process.returncode, stdout, stderr)


class BudgetExceeded(Exception):
    """A function run by run_budgeted went over its time or memory budget, or its process died; str() is Vietnamese."""


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_budgeted(function, args: tuple, seconds: float | None, memory_bytes: int | None):
    """function(*args) in a forked child limited to `seconds` of wall time and `memory_bytes` more address space.

    Returns what it returned (it must pickle); re-raises the exception it raised (as BudgetExceeded with the
    exception's type and message when that does not pickle). Over time, over memory, or a child killed by a
    signal (a crash in a C parser) raise BudgetExceeded with a Vietnamese reason. Where os.fork is missing, or
    both budgets are None, function runs in this process without limits.
    """
    import pickle
    import resource
    import select
    import time

    if not hasattr(os, "fork") or (seconds is None and memory_bytes is None):
        return function(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running the parent's exit handlers
        status = 0
        try:
            os.close(read_end)
            import faulthandler

            faulthandler.disable()  # a crash is the parent's to report, in one line
            if memory_bytes is not None:
                limit = _address_space() + memory_bytes
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                payload = pickle.dumps((True, function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                payload = pickle.dumps((False, BudgetExceeded(_over_memory(memory_bytes))))
            except BaseException as error:  # noqa: BLE001 - everything goes back to the parent
                try:
                    payload = pickle.dumps((False, error))
                    pickle.loads(payload)
                except Exception:  # noqa: BLE001 - an exception that does not travel: send its text
                    payload = pickle.dumps((False, BudgetExceeded(f"{type(error).__name__}: {error}")))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    data = bytearray()
    deadline = None if seconds is None else time.monotonic() + seconds
    finished = False
    try:
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([read_end], [], [], wait)
            if not ready:
                raise BudgetExceeded(f"xử lý quá {seconds:g} giây (đặt TRACUU_FILE_SECONDS để đổi), bỏ qua")
            block = os.read(read_end, 1 << 20)
            if not block:
                break
            data += block
        _, status = os.waitpid(pid, 0)
        finished = True
    finally:
        os.close(read_end)
        if not finished:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
    if not data:
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number == signal.SIGKILL and memory_bytes is not None:
                raise BudgetExceeded(_over_memory(memory_bytes) + " hoặc bị hệ thống dừng")
            raise BudgetExceeded(f"tiến trình đọc tệp bị dừng bởi tín hiệu {signal.Signals(number).name}, bỏ qua")
        raise BudgetExceeded("tiến trình đọc tệp kết thúc mà không trả kết quả (có thể thiếu bộ nhớ), bỏ qua")
    ok, value = pickle.loads(bytes(data))
    if ok:
        return value
    raise value


def _over_memory(memory_bytes: int | None) -> str:
    shown = "?" if memory_bytes is None else f"{memory_bytes / 1048576:g}"
    return f"cần quá {shown} MB bộ nhớ (đặt TRACUU_FILE_MEMORY_MB để đổi), bỏ qua"
