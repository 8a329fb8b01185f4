"""What the commands of ``nianbao`` share: the ``--data`` option, the options of the
commands that crawl and process (``crawl``, ``worker``), and the one-line failure."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from pipelines.process import DOCUMENT_TIME_LIMIT

DATA_HELP = "Where the archive (nianbao.db) and the raw store (raw.db) live."
TIME_LIMIT_HELP = "Seconds one document may take to extract and parse."

data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    envvar="NIANBAO_DATA",
    show_default=True,
    show_envvar=True,
    help=DATA_HELP,
)

# In the order --help lists them.
_CRAWL_PROCESS_OPTIONS = (
    click.option(
        "--allow-private-hosts",
        is_flag=True,
        envvar="NIANBAO_ALLOW_PRIVATE_HOSTS",
        help="Allow loopback and private addresses (demo and tests only).",
    ),
    click.option("--workers", type=int, default=None, help="Extraction worker processes."),
    click.option(
        "--time-limit",
        type=int,
        default=DOCUMENT_TIME_LIMIT,
        show_default=True,
        help=TIME_LIMIT_HELP,
    ),
    click.option(
        "--set",
        "set_pairs",
        multiple=True,
        metavar="NAME=VALUE",
        help="Override a Scrapy setting, e.g. DOWNLOAD_TIMEOUT=30 (repeat).",
    ),
    click.option("--verbose", is_flag=True, help="Also show Scrapy's own log (INFO)."),
)


def crawl_process_options(function: Callable) -> Callable:
    """``--allow-private-hosts --workers --time-limit --set --verbose``."""
    for option in reversed(_CRAWL_PROCESS_OPTIONS):
        function = option(function)
    return function


def fail(message: str) -> None:
    """Exit non-zero with a one-line reason on stderr."""
    click.echo(f"nianbao: {message}", err=True)
    sys.exit(1)
