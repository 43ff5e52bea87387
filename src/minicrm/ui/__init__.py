"""Drawing for people and programs: escaping of screen strings, plain text, JSON/CSV/TSV, tables fitted to a terminal, the pager; the one module that imports Rich."""
