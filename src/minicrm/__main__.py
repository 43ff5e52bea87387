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
    try:
        from minicrm.cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:  # Ctrl-C while starting up, before any command ran
        sys.stderr.write("minicrm: interrupted; nothing was written by the unfinished command\n")
        raise SystemExit(130) from None
    finally:
        # Finished, one way or another, and said so: a Ctrl-C while Python shuts down
        # would only turn the exit status into "killed by SIGINT".
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    main()
