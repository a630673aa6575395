"""Help texts (issue 21): every option of every command has one, in plain text."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from ldapber.tools import decode, serve


@pytest.mark.parametrize("tool", [decode, serve])
def test_every_option_has_help(tool: object) -> None:
    ap = argparse.ArgumentParser()
    tool.add_arguments(ap)  # type: ignore[attr-defined]
    assert [a.option_strings or a.dest for a in ap._actions if not a.help] == []


@pytest.mark.parametrize("command", [[], ["decode"], ["serve"]])
def test_help_is_plain_text(command: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "ldapber", *command, "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and "usage: python -m ldapber" in out.stdout
    assert "``" not in out.stdout and ":class:" not in out.stdout and ":mod:" not in out.stdout
