"""Shell completion from the one parser: the bash script completes for real in bash;
the zsh and fish scripts name every command and option."""

from __future__ import annotations

import subprocess

import pytest

from xpnet.adapters import cli, completion


def complete(*words: str) -> list[str]:
    script = completion.bash(cli.parser())
    array = " ".join(f"'{w}'" for w in words)
    done = subprocess.run(
        [
            "bash",
            "--noprofile",
            "--norc",
            "-c",
            f"{script}\nCOMP_WORDS=({array}); COMP_CWORD={len(words) - 1}; _xpnet; "
            'printf "%s\\n" "${COMPREPLY[@]}"',
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completes_commands_options_and_choices() -> None:
    assert complete("xpnet", "ch") == ["check"]
    assert complete("xpnet", "check", "-o", "s") == ["sarif"]
    assert complete("xpnet", "check", "--ch") == ["--chart-version"]
    assert complete("xpnet", "completion", "") == ["bash", "zsh", "fish"]
    assert complete("xpnet", "explain", "--runtime", "grpc-go-1") == [
        "grpc-go-1.70",
        "grpc-go-1.71",
    ]
    assert "README.md" in complete("xpnet", "fix", "READ")


@pytest.mark.parametrize("shell", ("zsh", "fish"))
def test_other_shells_name_every_command_and_option(shell: str) -> None:
    script = {"zsh": completion.zsh, "fish": completion.fish}[shell](cli.parser())
    for command in completion.commands(cli.parser()):
        assert command.name in script
        for option in command.options:
            long = next((f for f in option.flags if f.startswith("--")), option.flags[0])
            assert long.lstrip("-") in script


def test_every_command_help_says_what_it_does_and_the_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command in completion.commands(cli.parser()):
        with pytest.raises(SystemExit) as done:
            cli.main([command.name, "--help"])
        assert done.value.code == 0
        out = capsys.readouterr().out
        assert f"xpnet {command.name}: " in out and "exit codes: 0 ok, 1 " in out
