"""The bottom layer: definitions every other layer shares — the report's keys and
labels, deterministic ids, the clock, event lines, the CJK bigram text of the search
index. Standard library only: the site's installable plugin carries this package, and
nothing here may import crawler, pipelines, archive or any third-party package."""
