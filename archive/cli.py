"""``nianbao``: the one command line of the project. Every command is documented in the
README (a test checks it)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from archive.cli_options import TIME_LIMIT_HELP, crawl_process_options, data_option, fail
from archive.registry_cmd import registry
from pipelines.process import DOCUMENT_TIME_LIMIT


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nianbao")
def cli() -> None:
    """nianbao — an archive of China's government information-disclosure annual
    reports (政府信息公开工作年度报告)."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed form, one JSON per line.")
def parse(files: tuple[str, ...], as_json: bool) -> None:
    """Parse report FILES (.txt .md .html .pdf .docx .doc .wps, chosen by content) to
    their parsed form; no database."""
    from pipelines.extract import extract
    from pipelines.extract.document import ExtractionError
    from pipelines.parse import parse_document

    failures = 0
    for name in files:
        try:
            document = extract(Path(name).read_bytes(), url=Path(name).name)
        except ExtractionError as error:
            click.echo(f"nianbao: {name}: {error.kind}: {error}", err=True)
            failures += 1
            continue
        parsed = parse_document(document)
        if as_json:
            click.echo(json.dumps(parsed, ensure_ascii=False))
        else:
            click.echo(summarise(name, parsed))
        if not parsed.get("is_report"):
            failures += 1
    if failures:
        fail(f"{failures} of {len(files)} files could not be read as annual reports")


def summarise(name: str, parsed: dict) -> str:
    """A readable summary of one parsed report."""
    if not parsed.get("is_report"):
        return f"{name}: not an annual report ({'; '.join(parsed.get('warnings', []))})"
    failed = [c for c in parsed.get("checks", []) if not c["ok"]]
    applications = parsed.get("applications", {})
    received = applications.get("new_received", {}).get("total")
    lines = [
        f"{name}",
        f"  agency:    {parsed.get('agency')}",
        f"  year:      {parsed.get('year')}    template: {parsed.get('template')}",
        f"  requests:  {received if received is not None else '—'} new this year",
        f"  checks:    {len(parsed.get('checks', [])) - len(failed)} ok, {len(failed)} failed",
    ]
    lines += [f"    ✗ {c['rule']}: {c['detail']}" for c in failed]
    lines += [f"  warning:   {w}" for w in parsed.get("warnings", [])]
    return "\n".join(lines)


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    """``NAME=VALUE`` pairs (``--set``) as a dict; Scrapy reads the strings as it needs."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--set")
        settings[name.strip()] = value
    return settings


@cli.command()
@data_option
@click.option(
    "--registry",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A portal registry CSV (default: the bundled crawler/portals.csv).",
)
@click.option("--portal", "portal_ids", multiple=True, help="Crawl only this portal id (repeat).")
@click.option("--year", "years", type=int, multiple=True, help="Only reports on this year.")
@click.option("--max-requests", type=int, default=None, help="Stop after this many requests.")
@crawl_process_options
def crawl(
    data_dir: Path,
    registry: Path | None,
    portal_ids: tuple[str, ...],
    years: tuple[int, ...],
    allow_private_hosts: bool,
    workers: int | None,
    max_requests: int | None,
    time_limit: int,
    set_pairs: tuple[str, ...],
    verbose: bool,
) -> None:
    """Crawl the registry's portals, keep every file, process and publish the archive.
    Exits non-zero when the run failed as a whole."""
    from archive.nightly import RunLocked, run_nightly, select_portals
    from nianbao_common.events import configure_events

    settings = parse_settings(set_pairs)
    try:
        portals = select_portals(registry, set(portal_ids))
    except ValueError as error:
        fail(str(error))
    configure_events()
    try:
        summary = run_nightly(
            data_dir,
            portals,
            years=set(years) or None,
            allow_private_hosts=allow_private_hosts,
            workers=workers,
            max_requests=max_requests,
            log_level="INFO" if verbose else "ERROR",
            settings=settings,
            time_limit=time_limit,
        )
    except RunLocked as error:
        fail(str(error))
    if sys.stdout.isatty():
        click.echo(summary.line())
    if summary.status in ("failed", "interrupted"):
        fail(f"run {summary.run_id} {summary.status}: {summary.reason}")


def redis_option(required: bool):
    return click.option(
        "--redis",
        "redis_url",
        required=required,
        metavar="URL",
        envvar="NIANBAO_REDIS",
        show_envvar=True,
        help="The Redis server of the work queue, e.g. redis://queue.example:6379/0.",
    )


def open_queue(url: str):
    """A Redis client, or exit with one line when the server does not answer."""
    from archive.distributed.queue import QueueUnavailable, connect

    try:
        return connect(url)
    except QueueUnavailable as error:
        fail(str(error))


@cli.command()
@data_option
@click.option("--workers", type=int, default=None, help="Worker processes (default: all cores).")
@click.option(
    "--time-limit", type=int, default=DOCUMENT_TIME_LIMIT, show_default=True, help=TIME_LIMIT_HELP
)
@redis_option(required=False)
def reprocess(data_dir: Path, workers: int | None, time_limit: int, redis_url: str | None) -> None:
    """Re-extract and re-parse every stored raw document with the current code, in
    parallel (with --redis: by the workers, the writer applying the results), and print
    what changed."""
    from archive import ARCHIVE_FILE, RAW_FILE
    from archive.changes import compare_archives, describe_changes, frozen_archive
    from archive.nightly import RunLocked, run_lock
    from pipelines.process import all_cores, process_pending

    if not (data_dir / RAW_FILE).exists():
        fail(f"no raw store at {data_dir / RAW_FILE}: nothing to reprocess")
    if redis_url:
        from archive.distributed.queue import RunBusy
        from archive.distributed.reprocess import reprocess_through_workers

        client = open_queue(redis_url)
        try:
            with frozen_archive(data_dir) as before:
                counts = reprocess_through_workers(client, data_dir)
                changes = compare_archives(before, data_dir / ARCHIVE_FILE)
        except RunBusy as error:
            fail(str(error))
    else:
        try:
            with run_lock(data_dir), frozen_archive(data_dir) as before:
                summary = process_pending(
                    data_dir,
                    everything=True,
                    workers=workers or all_cores(),
                    time_limit=time_limit,
                )
                changes = compare_archives(before, data_dir / ARCHIVE_FILE)
        except RunLocked as error:
            fail(str(error))
        counts = vars(summary)
    click.echo(
        f"reprocessed {counts['documents']} documents: {counts['reports']} read as reports, "
        f"{counts['failed']} failed"
    )
    for line in describe_changes(changes):
        click.echo(line)


@cli.command()
@data_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
def serve(data_dir: Path, host: str, port: int) -> None:
    """Publish the archive with Datasette (read-only)."""
    from archive import ARCHIVE_FILE
    from archive.serve import serve as serve_datasette

    if not (data_dir / ARCHIVE_FILE).exists():
        fail(f"no archive at {data_dir / ARCHIVE_FILE}: run `nianbao crawl` or `nianbao demo`")
    serve_datasette(data_dir, host=host, port=port)


@cli.command()
@data_option
@click.option("--service", required=True, help="The Cloud Run service to publish to.")
@click.option(
    "--dry-run", is_flag=True, help="Build the site's wheel and print the command; publish nothing."
)
def publish(data_dir: Path, service: str, dry_run: bool) -> None:
    """Publish the archive to Google Cloud Run with the site's own wheel installed
    (`datasette publish cloudrun`; needs gcloud). The raw store is not published."""
    import shlex
    import subprocess

    from archive import ARCHIVE_FILE
    from archive.publish_site import build_site_wheel, publish_args

    if not (data_dir / ARCHIVE_FILE).exists():
        fail(f"no archive at {data_dir / ARCHIVE_FILE}: run `nianbao crawl` first")
    wheel = build_site_wheel(data_dir / "site-wheel")
    command = [
        sys.executable,
        "-m",
        "datasette",
        *publish_args(data_dir / ARCHIVE_FILE, wheel, service),
    ]
    if dry_run:
        click.echo(shlex.join(command))
        return
    sys.exit(subprocess.run(command).returncode)


@cli.command()
@data_option
@click.option(
    "--no-serve", is_flag=True, help="Build the archive and exit; do not start Datasette."
)
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette's port.")
def demo(data_dir: Path, no_serve: bool, port: int) -> None:
    """Serve the bundled sample portal on 127.0.0.1, crawl it, build the archive and
    publish it with Datasette (offline)."""
    from archive.demo import run_demo

    run_demo(data_dir, serve=not no_serve, port=port)


@cli.command()
@data_option
def discover(data_dir: Path) -> None:
    """Print what discovery (cms auto) found in the latest crawl of each portal as
    registry rows (CSV, the columns of crawler/portals.csv), to pin in the registry."""
    from archive import RAW_FILE
    from archive.discover import discovered_rows, latest_discoveries, registry_csv

    if not (data_dir / RAW_FILE).exists():
        fail(f"no raw store at {data_dir / RAW_FILE}: run `nianbao crawl` first")
    rows, nothing = discovered_rows(latest_discoveries(data_dir / RAW_FILE))
    click.echo(registry_csv(rows), nl=False)
    for row in nothing:
        name = f"{row['portal_id']} {row['department'] or ''}".strip()
        click.echo(
            f"nianbao: no report column found: {name} ({row['requests']} requests)", err=True
        )


@cli.command()
@redis_option(required=True)
@click.option(
    "--registry",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A portal registry CSV (default: the bundled crawler/portals.csv).",
)
@click.option("--portal", "portal_ids", multiple=True, help="Queue only this portal id (repeat).")
def enqueue(redis_url: str, registry: Path | None, portal_ids: tuple[str, ...]) -> None:
    """Queue the registry's portals for `nianbao worker`s to crawl (one run, until every
    queued portal is done; a portal already queued in it is not queued twice)."""
    from archive.distributed.queue import CRAWL, PORTALS, RunBusy
    from archive.distributed.queue import enqueue as queue_jobs
    from archive.nightly import new_run_id, select_portals

    try:
        portals = select_portals(registry, set(portal_ids))
    except ValueError as error:
        fail(str(error))
    client = open_queue(redis_url)
    jobs = [(portal.id, {"portal": portal.row()}) for portal in portals]
    try:
        run, added = queue_jobs(client, PORTALS, CRAWL, jobs, new_run_id())
    except RunBusy as error:
        fail(str(error))
    click.echo(f"run {run}: {added} portals queued, {len(jobs) - added} were already")


@cli.command()
@redis_option(required=True)
@click.option("--follow", is_flag=True, help="Keep waiting for work when the queue is empty.")
@crawl_process_options
def worker(
    redis_url: str,
    allow_private_hosts: bool,
    workers: int | None,
    follow: bool,
    time_limit: int,
    set_pairs: tuple[str, ...],
    verbose: bool,
) -> None:
    """Crawl queued portals one at a time, extract and parse what was kept, and send
    it all to the writer; exits when no job is left (unless --follow)."""
    import redis

    from archive.distributed.queue import QueueUnavailable
    from archive.distributed.worker import run_worker
    from nianbao_common.events import configure_events

    settings = parse_settings(set_pairs)
    client = open_queue(redis_url)
    configure_events()
    try:
        run_worker(
            client,
            redis_url,
            workers=workers,
            follow=follow,
            allow_private_hosts=allow_private_hosts,
            time_limit=time_limit,
            log_level="INFO" if verbose else "ERROR",
            settings=settings,
        )
    except (QueueUnavailable, redis.RedisError) as error:
        fail(f"worker stopped: {error}")


@cli.command()
@redis_option(required=True)
@data_option
@click.option("--until-done", is_flag=True, help="Exit once no run is left in the queue.")
def write(redis_url: str, data_dir: Path, until_done: bool) -> None:
    """Be the one writer of DATA: keep what workers send in the raw store, publish the
    archive when a run is over, record the run."""
    import signal

    import redis

    from archive.distributed.writer import run_writer
    from archive.nightly import RunLocked
    from nianbao_common.events import configure_events

    client = open_queue(redis_url)
    configure_events()
    # A service stop: leave by the normal way out (an archive being staged is removed;
    # what was not acknowledged is read again on restart).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    try:
        run_writer(client, data_dir, until_done=until_done)
    except RunLocked as error:
        fail(str(error))
    except redis.RedisError as error:
        fail(f"writer stopped: Redis: {error}")


@cli.group()
def export() -> None:
    """Export the raw store in an open format (WARC, WACZ)."""


def raw_store_of(data_dir: Path) -> Path:
    """The data directory's raw store; fails with one line when there is none."""
    from archive import RAW_FILE

    if not (data_dir / RAW_FILE).exists():
        fail(f"no raw store at {data_dir / RAW_FILE}: nothing to export")
    return data_dir / RAW_FILE


OUTPUT_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)


@export.command()
@click.argument("file", type=OUTPUT_FILE)
@data_option
def warc(file: Path, data_dir: Path) -> None:
    """Every fetched response of the raw store as WARC response records (gzipped per
    record when FILE ends in .gz)."""
    from archive.export import export_warc

    summary = export_warc(raw_store_of(data_dir), file)
    click.echo(f"{summary.path}: {summary.records} responses, {summary.body_bytes:,} bytes")


@export.command()
@click.argument("file", type=OUTPUT_FILE)
@data_option
def wacz(file: Path, data_dir: Path) -> None:
    """The raw store as a WACZ package (WARC, index, page list) for ReplayWeb.page or pywb."""
    from archive.export import export_wacz

    summary = export_wacz(raw_store_of(data_dir), file)
    click.echo(f"{summary.path}: {summary.records} responses, {summary.body_bytes:,} bytes")


@cli.command("export-raw")
@click.argument("directory", type=click.Path(file_okay=False, writable=True, path_type=Path))
@data_option
def export_raw(directory: Path, data_dir: Path) -> None:
    """Write every archived copy to DIRECTORY as <sha256>.<extension>: a static folder any
    web server can host (set the site's copies_base_url to where it is served)."""
    from archive import ARCHIVE_FILE
    from archive.export import export_copies

    if not (data_dir / ARCHIVE_FILE).exists():
        fail(f"no archive at {data_dir / ARCHIVE_FILE}: nothing to export")
    summary = export_copies(data_dir / ARCHIVE_FILE, raw_store_of(data_dir), directory)
    click.echo(
        f"{directory}: {summary.copies} copies, {summary.written} written "
        f"({summary.bytes_written:,} bytes), {summary.copies - summary.written} already there"
    )


cli.add_command(registry)


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli()


if __name__ == "__main__":
    main()
