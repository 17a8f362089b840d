"""The command line as a user meets it: run as a real process, exit codes checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cpq_desktop import __version__, cli


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cpq_desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"cpq-desktop {__version__}"


def test_console_script_is_installed_next_to_python() -> None:
    script = Path(sys.executable).with_name("cpq-desktop")
    if not script.exists():
        pytest.skip("the package is not installed into this environment (pip install -e .)")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_commands_and_exit_codes() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "sandbox" in result.stdout
    assert "--sandbox" in result.stdout
    assert "Exit codes: 0 success, 1 usage" in result.stdout


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["sandbox"], "required: SUBCOMMAND"),
        (["sandbox", "serve"], "required: --data-dir"),
        (["sandbox", "serve", "--data-dir", "x", "--orders", "many"], "invalid int value: 'many'"),
        (["--sandbox", "sandbox", "serve", "--data-dir", "x"], "--sandbox only applies"),
    ],
)
def test_bad_usage_is_a_clear_error_with_exit_code_1(args: list[str], complaint: str) -> None:
    result = _run(*args)
    assert result.returncode == cli.EXIT_USAGE
    assert complaint in result.stderr
    assert "--help' for the commands" in result.stderr
    assert "Traceback" not in result.stderr


def test_negative_order_count_is_refused_before_anything_starts(tmp_path: Path) -> None:
    data_dir = tmp_path / "sandbox"
    assert cli.main(["sandbox", "serve", "--data-dir", str(data_dir), "--orders", "-1"]) == cli.EXIT_USAGE
    assert not data_dir.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is for Linux")
def test_opening_the_window_without_a_display_explains_instead_of_crashing() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = _run(env=env)
    assert result.returncode == cli.EXIT_USAGE
    assert "no display found" in result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr


def test_sandbox_in_an_unusable_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert cli.main(["sandbox", "serve", "--data-dir", str(blocker / "sandbox"), "--orders", "0"]) == cli.EXIT_USAGE
    assert "cannot start the sandbox in" in capsys.readouterr().err
