"""Whether the process that started a run is still alive, so a killed run shows as interrupted, not running."""

from __future__ import annotations

import os
import socket
import sys


def this_host() -> str:
    return socket.gethostname()


def process_alive(pid: int, host: str) -> bool:
    """True when ``pid`` runs on this machine, or when it cannot be told (another machine's process)."""
    if host != this_host():
        return True
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        # Signal 0 checks existence and permission without signalling anything (POSIX).
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if sys.platform == "win32":
    import ctypes

    _SYNCHRONIZE = 0x00100000
    _WAIT_TIMEOUT = 0x00000102

    def _windows_process_alive(pid: int) -> bool:
        # os.kill on Windows terminates the process whatever the signal, so ask the kernel instead.
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(_SYNCHRONIZE, False, pid)
        if not handle:
            return False
        try:
            return bool(kernel32.WaitForSingleObject(handle, 0) == _WAIT_TIMEOUT)
        finally:
            kernel32.CloseHandle(handle)
