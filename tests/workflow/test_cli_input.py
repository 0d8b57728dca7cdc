"""Bad command lines get one line naming the flag and the expected form, exit 2, and change nothing;
every --help gives each option's default."""

from __future__ import annotations

import argparse
import re

import pytest

from cli.main import build_parser, main

CA_ID = "a" * 64


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_endpoint_url_without_a_scheme_is_one_line_naming_the_flag(capsys):
    line = _refused(capsys, ["run", "--ca-certificate-id", CA_ID, "--endpoint-url", "127.0.0.1:5000"])
    assert "--endpoint-url" in line and "http://127.0.0.1:5000" in line and "'127.0.0.1:5000'" in line


@pytest.mark.parametrize("command", ["follow", "report"])
def test_follow_and_report_check_the_endpoint_and_the_execution_arn(capsys, command):
    line = _refused(capsys, [command, "not-an-arn"])
    assert "EXECUTION_ARN" in line and "arn:aws:states:" in line
    arn = "arn:aws:states:us-east-1:123456789012:execution:iot-ca-revocation:x"
    assert "--endpoint-url" in _refused(capsys, [command, arn, "--endpoint-url", "localhost:5000"])


@pytest.mark.parametrize(
    "argv, unknown",
    [
        (["run", "--ca-certificate-id", CA_ID, "--wiat"], "--wiat"),
        (["run", "--ca-certificate-id", CA_ID, "--wait", "--jsn"], "--jsn"),
        (["run", "--ca-certificate-id", CA_ID, "--dry"], "--dry"),  # no abbreviations: not --dry-run
        (["emulator", "--prot", "5000"], "--prot"),
    ],
)
def test_an_unknown_flag_is_named_as_unknown(capsys, argv, unknown):
    line = _refused(capsys, argv)
    assert f"unknown option {unknown}" in line
    assert line.startswith(f"ca-revoke {argv[0]}: ")


def test_input_file_with_a_duplicate_key_is_refused(capsys, tmp_path):
    document = tmp_path / "request.json"
    document.write_text(f'{{"caCertificateId": "{CA_ID}", "dryRun": true, "caCertificateId": "{"b" * 64}"}}')
    assert main(["run", "--input-file", str(document), "--endpoint-url", "http://127.0.0.1:9"]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip().count("\n") == 0
    assert "--input-file" in captured.err and "'caCertificateId'" in captured.err and "twice" in captured.err


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_help_lists_each_option_with_its_default(name):
    parser = _commands()[name]
    text = " ".join(parser.format_help().split())
    options = [a for a in parser._actions if a.option_strings and a.default is not argparse.SUPPRESS]
    assert options
    positions = [(text.index(f" {a.option_strings[-1]} ", text.index("options:")), a) for a in options]
    positions.sort(key=lambda item: item[0])
    for (start, action), (end, _) in zip(positions, [*positions[1:], (len(text), None)], strict=True):
        assert re.search(r"default", text[start:end]), (
            f"{name} {action.option_strings[-1]}: {text[start:end]}"
        )
