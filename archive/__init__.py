"""The archive: raw store, schema, writes, search, Datasette site and the CLI.

A data directory holds two SQLite files: the archive (``ARCHIVE_FILE``), replaced whole
by each run, and the raw store (``RAW_FILE``), only ever appended to."""

ARCHIVE_FILE = "nianbao.db"
RAW_FILE = "raw.db"
