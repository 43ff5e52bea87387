"""One meaning per short flag across the whole command tree (issue 15.16): `-p` was
--phone in `add`, --priority in `follow` and --probability in `deal add`."""

from __future__ import annotations

from collections import defaultdict

import typer

from minicrm.cli import app


def short_flags() -> dict[str, dict[str, list[str]]]:
    """letter -> long option it stands for -> the commands where it does."""
    uses: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def walk(command, path: list[str]) -> None:
        for param in command.params:
            if getattr(param, "param_type_name", "") != "option":
                continue
            names = [*param.opts, *param.secondary_opts]
            longs = [n for n in param.opts if n.startswith("--")]
            for short in (n for n in names if n.startswith("-") and not n.startswith("--")):
                uses[short][longs[0] if longs else param.name].append(" ".join(path) or "minicrm")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return uses


def test_every_short_flag_means_one_thing_everywhere():
    clashes = {
        short: {long: commands for long, commands in meanings.items()}
        for short, meanings in short_flags().items()
        if len(meanings) > 1
    }
    assert clashes == {}, f"short flags with two meanings: {clashes}"


def test_the_long_names_stay_and_the_common_letters_keep_their_meaning():
    uses = short_flags()
    assert set(uses["-c"]) == {"--company"} and set(uses["-p"]) == {"--phone"}
    assert set(uses["-e"]) == {"--email"} and set(uses["-t"]) == {"--tag"}
    assert "add" in uses["-p"]["--phone"] and "ls" in uses["-c"]["--company"]


def test_the_long_names_of_the_letters_taken_back_still_work(run):
    run("add", "Sam Lee", "-p", "+1 555 0100", "-c", "Acme")
    item = run.json("follow", "sam", "Call", "--priority", "high")
    assert item["priority"] == "high"
    assert run.json("followup", "ls", "--contact", "sam")[0]["id"] == item["id"]
    deal = run.json("deal", "add", "sam", "Licence", "--probability", "40")
    assert deal["probability"] == 40
    run("follow", "sam", "Call", "-p", "high", code=2)  # -p is --phone only
