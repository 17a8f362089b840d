"""Command line entry point: the GUI by default, subcommands for headless work.

Each command is one ``_add_<command>_parser`` function that registers its arguments and its handler
(``set_defaults(handler=...)``); :func:`main` only parses and dispatches.

Exit codes (documented in the README): 0 success, 1 usage or configuration error, 2 cannot connect or
authenticate, 3 some records failed, 4 cancelled.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from cpq_desktop import __version__

if TYPE_CHECKING:
    from cpq_desktop.sandbox.runner import Sandbox, SandboxOptions

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_CONNECT = 2
EXIT_RECORDS_FAILED = 3
EXIT_CANCELLED = 4

_QT_LIBRARIES_HINT = (
    "On Debian or Ubuntu, install them with: sudo apt-get install libgl1 libegl1 libxkbcommon0 "
    "libxkbcommon-x11-0 libxcb-cursor0 libfontconfig1 libdbus-1-3 libglib2.0-0 "
    "(or run 'sh scripts/system-deps.sh' from a source checkout)."
)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage; 2 means "cannot connect" here, so usage errors exit 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nRun '{self.prog} --help' for the commands.\n")


def _fail(message: str) -> int:
    print(f"cpq-desktop: {message}", file=sys.stderr)
    return EXIT_USAGE


def _add_sandbox_parser(commands: Any) -> None:
    sandbox = commands.add_parser("sandbox", help="run the emulated Salesforce org and Zuora tenant")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND", required=True)
    serve = sandbox_commands.add_parser(
        "serve", help="start both emulators, write DIR/sandbox.json and serve until interrupted"
    )
    serve.add_argument("--data-dir", type=Path, required=True, metavar="DIR")
    serve.add_argument("--orders", type=int, default=50, metavar="N", help="orders to generate (default 50)")
    serve.add_argument("--seed", type=int, default=1, metavar="S", help="generator seed (default 1)")
    serve.add_argument("--latency-ms", type=float, default=0.0, metavar="L", help="added latency per request")
    serve.add_argument(
        "--zuora-concurrency", type=int, default=None, metavar="C", help="Zuora concurrent request limit"
    )
    serve.add_argument("--salesforce-port", type=int, default=0, metavar="PORT")
    serve.add_argument("--zuora-port", type=int, default=0, metavar="PORT")
    serve.set_defaults(handler=_serve_sandbox)


def _add_mapping_parser(commands: Any) -> None:
    mapping = commands.add_parser("mapping", help="export or check Salesforce -> Zuora field mappings")
    mapping_commands = mapping.add_subparsers(dest="mapping_command", metavar="SUBCOMMAND", required=True)
    export = mapping_commands.add_parser(
        "export-default", help="write the default mapping (every row of connector-spec §2) to FILE"
    )
    export.add_argument("file", type=Path, metavar="FILE")
    export.set_defaults(handler=_mapping_export_default)
    validate = mapping_commands.add_parser("validate", help="check a mapping file; exit 1 with one line per problem")
    validate.add_argument("file", type=Path, metavar="FILE")
    live = validate.add_mutually_exclusive_group()
    live.add_argument(
        "--profile",
        metavar="P",
        help="check it under this profile's connector options and against its org's live describe metadata",
    )
    live.add_argument(
        "--sandbox",
        dest="sandbox_dir",
        type=Path,
        metavar="DIR",
        help="check it against the describe metadata of the sandbox org serving from DIR (sandbox.json)",
    )
    validate.add_argument(
        "--describe-dir",
        type=Path,
        metavar="DIR",
        help="check it against saved describe JSON (DIR/<Object>.json) instead of a live org",
    )
    validate.add_argument(
        "--offline", action="store_true", help="with --profile: apply its connector options only, do not log in"
    )
    validate.set_defaults(handler=_mapping_validate)


def _add_sync_parser(commands: Any) -> None:
    sync = commands.add_parser(
        "sync",
        help="sync Salesforce CPQ to Zuora (with --dry-run: show every request, write nothing)",
        description="Without scope flags, every activated order not yet synced is in scope.",
    )
    where = sync.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--sandbox",
        dest="sandbox_dir",  # the top-level --sandbox (open the window on a sandbox) is a different switch
        type=Path,
        metavar="DIR",
        help="use the sandbox serving from DIR (sandbox.json)",
    )
    where.add_argument("--profile", metavar="P", help="use the saved connection profile P")
    sync.add_argument("--dry-run", action="store_true", help="plan only: print the requests, write nothing")
    scope = sync.add_mutually_exclusive_group()
    scope.add_argument("--order", action="append", metavar="ID_OR_NUMBER", help="an order (Id or Order Number)")
    scope.add_argument("--account", action="append", metavar="ID", help="an account and its orders")
    scope.add_argument("--changed-since", metavar="DATETIME", help="activated orders changed since (ISO 8601)")
    sync.add_argument(
        "--retry-failed", metavar="RUN_ID", help="re-plan only the records that failed in run RUN_ID (logs list)"
    )
    sync.add_argument(
        "--concurrency", type=int, default=10, metavar="N", help="Zuora requests at once (default 10, at most 40)"
    )
    sync.add_argument(
        "--write-back", action="store_true", help="write Zuora keys and sync status back to Salesforce fields"
    )
    sync.add_argument(
        "--progress-jsonl", action="store_true", help="print one JSON line per record as it finishes (for scripts)"
    )
    sync.add_argument("--json", action="store_true", help="print the plan (--dry-run) or the run's summary as JSON")
    sync.set_defaults(handler=_sync)


def _sync_scope(args: argparse.Namespace) -> Any:
    import re
    from datetime import datetime

    from cpq_desktop.core.extract import AccountScope, ChangedSinceScope, OrderScope, UnsyncedScope

    if args.order:
        ids = tuple(o for o in args.order if re.fullmatch(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?", o) and not o.isdigit())
        numbers = tuple(o for o in args.order if o not in ids)
        return OrderScope(order_ids=ids, order_numbers=numbers)
    if args.account:
        return AccountScope(account_ids=tuple(args.account))
    if args.changed_since:
        since = datetime.fromisoformat(args.changed_since.replace("Z", "+00:00"))
        if since.tzinfo is None:
            raise ValueError("--changed-since needs a UTC offset, e.g. 2025-01-31T00:00:00Z")
        return ChangedSinceScope(since=since)
    return UnsyncedScope()


def _sync(args: argparse.Namespace) -> int:
    import json

    from simple_salesforce.exceptions import SalesforceError

    from cpq_desktop.core.extract import ExtractionError
    from cpq_desktop.core.planning import plan_sync
    from cpq_desktop.core.planning.connections import (
        ConnectionSetupError,
        LoginFailedError,
        open_profile,
        open_sandbox,
    )
    from cpq_desktop.core.planning.report import format_plan
    from cpq_desktop.core.zuora.errors import ZuoraError

    if args.retry_failed and (args.dry_run or args.order or args.account or args.changed_since):
        return _fail("--retry-failed re-plans the failed records of a run; it takes no scope flags or --dry-run")
    if not 1 <= args.concurrency <= 40:
        return _fail("--concurrency must be between 1 and 40 (Zuora's default concurrency limit)")
    try:
        scope = _sync_scope(args)
    except ValueError as exc:
        return _fail(f"{exc}")
    try:
        connections = open_sandbox(args.sandbox_dir) if args.sandbox_dir else open_profile(args.profile)
    except ConnectionSetupError as exc:
        return _fail(str(exc))
    except LoginFailedError as exc:
        print(f"cpq-desktop: {exc}", file=sys.stderr)
        return EXIT_CONNECT
    if not args.dry_run:
        from cpq_desktop.core.sync.terminal import run_from_command_line

        try:
            return run_from_command_line(connections, scope, args)
        finally:
            connections.close()
    try:
        plan = plan_sync(
            connections.salesforce,
            connections.zuora,
            profile=connections.profile,
            scope=scope,
            options=connections.options,
        )
    except (ZuoraError, ExtractionError, SalesforceError, OSError) as exc:
        print(f"cpq-desktop: the plan could not be made: {exc}", file=sys.stderr)
        return EXIT_CONNECT
    finally:
        connections.close()
    print(json.dumps(plan.to_json_dict(), indent=2) if args.json else format_plan(plan))
    return EXIT_RECORDS_FAILED if plan.problems or plan.held_back else EXIT_OK


def _add_logs_parser(commands: Any) -> None:
    logs = commands.add_parser("logs", help="list runs and export their debug logs")
    logs_commands = logs.add_subparsers(dest="logs_command", metavar="SUBCOMMAND", required=True)
    listing = logs_commands.add_parser("list", help="the runs that have debug logs, newest first")
    listing.add_argument("--profile", metavar="P", help="only the runs of profile P")
    listing.add_argument("--limit", type=int, metavar="N", help="only the N newest runs")
    listing.add_argument("--json", action="store_true", help="print the runs as JSON")
    listing.set_defaults(handler=_logs_list)
    export = logs_commands.add_parser(
        "export", help="zip a run's debug logs (run.jsonl, run.log, results.csv, summary.json) into FILE"
    )
    export.add_argument("run_id", metavar="RUN_ID", help="a run id from 'cpq-desktop logs list'")
    export.add_argument("file", type=Path, metavar="FILE.zip")
    export.set_defaults(handler=_logs_export)
    show = logs_commands.add_parser(
        "show", help="a run's summary and the records that failed or were held back, with what to fix"
    )
    show.add_argument("run_id", metavar="RUN_ID", help="a run id from 'cpq-desktop logs list'")
    show.add_argument("--all", action="store_true", help="every record of the run, not only the failures")
    show.add_argument("--json", action="store_true", help="print the summary and the records as JSON")
    show.set_defaults(handler=_logs_show)
    prune = logs_commands.add_parser(
        "prune", help="remove the debug logs of runs older than DAYS (the run history keeps them listed)"
    )
    prune.add_argument("--older-than", type=float, required=True, metavar="DAYS", help="age in days")
    prune.add_argument("--profile", metavar="P", help="only the runs of profile P")
    prune.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    prune.set_defaults(handler=_logs_prune)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cpq-desktop",
        description="Push Salesforce CPQ data into Zuora Billing. Without a command, opens the window.",
        epilog="Exit codes: 0 success, 1 usage or configuration error, 2 cannot connect or authenticate, "
        "3 some records failed, 4 cancelled.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="open the window connected to a freshly started built-in sandbox (emulated org and tenant)",
    )
    parser.set_defaults(handler=_open_gui)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_sandbox_parser(commands)
    _add_mapping_parser(commands)
    _add_sync_parser(commands)
    _add_logs_parser(commands)
    return parser


def _start_sandbox(data_dir: Path, options: SandboxOptions | None = None) -> Sandbox | None:
    """Create and start both emulators; on failure (e.g. an unwritable folder) say so and return None."""
    from cpq_desktop.sandbox.runner import Sandbox

    sandbox: Sandbox | None = None
    try:
        sandbox = Sandbox(data_dir, options)
        sandbox.start()
    except OSError as exc:
        if sandbox is not None:
            sandbox.stop()
        _fail(f"cannot start the sandbox in {data_dir}: {exc.strerror or exc}. Choose another folder or ports.")
        return None
    return sandbox


def _serve_sandbox(args: argparse.Namespace) -> int:
    from cpq_desktop.sandbox.runner import SandboxOptions

    if args.orders < 0:
        return _fail("--orders must be 0 or more")
    options = SandboxOptions(
        orders=args.orders,
        seed=args.seed,
        latency_ms=args.latency_ms,
        zuora_concurrency=args.zuora_concurrency,
        salesforce_port=args.salesforce_port,
        zuora_port=args.zuora_port,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sandbox = _start_sandbox(args.data_dir, options)
    if sandbox is None:
        return EXIT_USAGE
    info = sandbox.info()
    print(f"Salesforce org: {info['salesforce_url']}")
    print(f"Zuora tenant:   {info['zuora_url']}")
    print(f"Details (URLs, CA file, logins): {args.data_dir / 'sandbox.json'}")
    print("Serving until interrupted (Ctrl+C).", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return EXIT_OK


def _mapping_export_default(args: argparse.Namespace) -> int:
    from cpq_desktop.core.mapping import export_default

    try:
        export_default(args.file)
    except OSError as exc:
        return _fail(f"cannot write {args.file}: {exc.strerror}. Check the folder exists and is writable.")
    print(f"Wrote the default mapping to {args.file}")
    return EXIT_OK


def _mapping_validate(args: argparse.Namespace) -> int:
    from cpq_desktop.core.mapping import MappingCommandError, describe_dir_lookup, profile_options, validate_file

    try:
        options = profile_options(args.profile) if args.profile else None
    except MappingCommandError as exc:
        return _fail(str(exc))
    if args.describe_dir or args.offline or not (args.profile or args.sandbox_dir):
        lookup = describe_dir_lookup(args.describe_dir) if args.describe_dir else None
        problems = validate_file(args.file, lookup, options=options)
    else:
        from cpq_desktop.core.planning.connections import (
            ConnectionSetupError,
            LoginFailedError,
            open_profile,
            open_sandbox,
        )
        from cpq_desktop.core.salesforce.describe import live_describe_lookup

        try:
            connections = open_sandbox(args.sandbox_dir) if args.sandbox_dir else open_profile(args.profile)
        except ConnectionSetupError as exc:
            return _fail(str(exc))
        except LoginFailedError as exc:
            print(f"cpq-desktop: {exc}", file=sys.stderr)
            return EXIT_CONNECT
        try:
            problems = validate_file(args.file, live_describe_lookup(connections.salesforce), options=options)
        finally:
            connections.close()
    for problem in problems:
        print(f"{args.file}: {problem}".replace("\n", " "), file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(f"{args.file}: the mapping is valid")
    return EXIT_OK


def _logs_list(args: argparse.Namespace) -> int:
    import json

    from cpq_desktop.core.runlog import list_run_logs, runs_root

    if args.limit is not None and args.limit < 1:
        return _fail("--limit must be 1 or more")
    runs = list_run_logs(profile=args.profile)[: args.limit]
    if args.json:
        print(json.dumps([run.to_json_dict() for run in runs], indent=2))
        return EXIT_OK
    if not runs:
        whose = f" of profile {args.profile!r}" if args.profile else ""
        print(f"No runs{whose} have debug logs in {runs_root()}.")
        return EXIT_OK
    rows = [("RUN ID", "STARTED (UTC)", "PROFILE", "SCOPE", "MODE", "STATUS", "RECORDS")]
    for run in runs:
        counts = ", ".join(f"{count} {status.label.lower()}" for status, count in run.counts.items() if count)
        scope = run.scope if len(run.scope) <= 40 else run.scope[:39] + "…"
        rows.append(
            (
                run.run_id,
                f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                run.profile,
                scope,
                "dry run" if run.dry_run else "sync",
                run.status.label,
                counts or "none",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    return EXIT_OK


def _logs_export(args: argparse.Namespace) -> int:
    from cpq_desktop.core.runlog import ExportError, UnknownRunLogError, export_run

    try:
        written = export_run(args.run_id, args.file)
    except (UnknownRunLogError, ExportError) as exc:
        return _fail(str(exc))
    print(f"Wrote the debug logs of run {args.run_id} to {written}")
    return EXIT_OK


def _logs_show(args: argparse.Namespace) -> int:
    import json
    import shlex

    from cpq_desktop.core.config.sandbox import SANDBOX_PROFILE_NAME
    from cpq_desktop.core.runlog import UnknownRunLogError, read_results, run_folder, run_log_info
    from cpq_desktop.core.sync.results import RETRYABLE_STATUSES

    try:
        folder = run_folder(args.run_id)
    except UnknownRunLogError as exc:
        return _fail(str(exc))
    try:
        run = run_log_info(folder)
        rows = read_results(folder)
    except (OSError, ValueError, KeyError) as exc:
        return _fail(f"the logs of run {args.run_id} in {folder} cannot be read ({exc}); export them and look inside")
    retry_labels = {status.label for status in RETRYABLE_STATUSES}
    shown = rows if args.all else [row for row in rows if row["Status"] in retry_labels]
    if args.json:
        print(json.dumps({"run": run.to_json_dict(), "records": shown}, indent=2, ensure_ascii=False))
        return EXIT_OK
    counts = ", ".join(f"{count} {status.label.lower()}" for status, count in run.counts.items() if count)
    took = "" if run.duration_s is None else f", {run.duration_s:.1f} s"
    print(f"Run {run.run_id} of profile {run.profile!r}{' (dry run)' if run.dry_run else ''}: {run.status.label}")
    print(f"Started {run.started_at:%Y-%m-%d %H:%M:%S} UTC{took}; scope: {run.scope}")
    print(f"Records: {counts or 'none'}")
    print(f"Debug logs: {run.folder}")
    if not shown:
        print("No record failed." if not args.all else "No records.")
        return EXIT_OK
    print(f"\n{'Records' if args.all else 'Failed or held back'} ({len(shown)}):")
    for row in shown:
        name = f" {row['Name']}" if row["Name"] else ""
        problem = " — ".join(part for part in (row["Error Class"], row["Message"]) if part)
        print(f"  {row['Status']}: {row['Salesforce Object']} {row['Salesforce Id']}{name}: {problem}".rstrip(": "))
    failed = [row for row in shown if row["Status"] in retry_labels]
    if failed:
        where = "--sandbox DIR" if run.profile == SANDBOX_PROFILE_NAME else f"--profile {shlex.quote(run.profile)}"
        print(f"\nOnce fixed, sync only these again: cpq-desktop sync {where} --retry-failed {run.run_id}")
    return EXIT_OK


def _logs_prune(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from cpq_desktop.core.runlog import PruneError, prune_run_logs

    if args.older_than < 0:
        return _fail("--older-than must be 0 days or more")
    try:
        removed = prune_run_logs(timedelta(days=args.older_than), profile=args.profile, dry_run=args.dry_run)
    except PruneError as exc:
        return _fail(str(exc))
    size_mb = sum(run.size_bytes for run in removed) / 1_000_000
    for run in removed:
        print(f"{run.run_id}  {run.started_at:%Y-%m-%d %H:%M:%S}  {run.profile}")
    verb = "Would remove" if args.dry_run else "Removed"
    print(f"{verb} the debug logs of {len(removed)} run(s), {size_mb:.1f} MB, older than {args.older_than:g} days.")
    return EXIT_OK


def _display_problem() -> str | None:
    """Why a window cannot open here, checked before Qt aborts the process with a cryptic message."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open. "
        "Run it in a desktop session, or over SSH with X forwarding (ssh -X). To try it without a screen, "
        "set QT_QPA_PLATFORM=offscreen."
    )


def _open_gui(args: argparse.Namespace) -> int:
    problem = _display_problem()
    if problem:
        return _fail(problem)
    try:
        from cpq_desktop.ui.app import run_gui
    except ImportError as exc:
        return _fail(f"the Qt libraries could not be loaded ({exc}). {_QT_LIBRARIES_HINT}")
    if not args.sandbox:
        return run_gui()
    with tempfile.TemporaryDirectory(prefix="cpq-desktop-sandbox-") as tmp:
        sandbox = _start_sandbox(Path(tmp))
        if sandbox is None:
            return EXIT_USAGE
        try:
            return run_gui(sandbox_dir=Path(tmp))
        finally:
            sandbox.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sandbox and args.command is not None:
        parser.error("--sandbox only applies when opening the window (without a command)")
    result: int = args.handler(args)
    return result
