"""``python -m minicrm`` and the ``minicrm`` command."""

from __future__ import annotations

import sys


def main() -> None:
    # The one answer that needs neither the database nor the command tree: printed before
    # typer and the library are imported, as `minicrm --version` in a loop expects.
    if sys.argv[1:] == ["--version"]:
        from minicrm import version_line  # lazy: start-up

        print(version_line())
        return
    # No garbage collection while starting up: importing typer and the command's modules
    # allocates objects that all stay alive, and the collector walked them again and again
    # for nothing; cli.main turns it back on before the command runs.
    import gc

    gc.disable()
    try:
        import os

        if os.environ.get("_MINICRM_COMPLETE"):  # the shell asks what Tab may offer
            from minicrm.cli.completion import complete  # lazy: start-up

            gc.enable()
            raise SystemExit(complete())
        if "--show-completion" in sys.argv or "--install-completion" in sys.argv:
            from minicrm.cli.completion import install_script_templates  # lazy: start-up

            install_script_templates()
        from minicrm.cli import main as cli_main  # lazy: start-up (after gc.disable)

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
