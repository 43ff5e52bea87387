"""``python -m minicrm`` and the ``minicrm`` command."""

from __future__ import annotations

import sys


def main() -> None:
    # The one answer that needs neither the database nor the command tree: printed before
    # typer and the library are imported (~100 ms), as `minicrm --version` in a loop expects.
    if sys.argv[1:] == ["--version"]:
        from minicrm import version_line

        print(version_line())
        return
    from minicrm.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
