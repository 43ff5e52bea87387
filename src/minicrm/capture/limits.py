"""How much of a message capture reads: shared by the sources (which read raw bytes) and
the parser (which reads headers and bodies), so neither imports the other."""

from __future__ import annotations

HEADER_LIMIT = 256 * 1024  # bytes of a header block
BODY_LIMIT = 2 * 1024 * 1024  # bytes of a message read for its excerpt
