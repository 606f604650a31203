"""Every command line fails the same way: a bad argument or an internal fault is exactly one Chinese line on stderr
and exit code 2, never a traceback; an internal fault's traceback is in the workspace's command log instead."""

from __future__ import annotations

import importlib

import pytest


def _boom(*_args, **_kwargs):
    raise RuntimeError("simulated internal fault")


#: Each command line: its module, a bad argument line, a good line, and the function (module, name) that good line
#: calls, which the test makes fail.
COMMAND_LINES = {
    "loaders": ("loaders.__main__", ["inspect"], ["inspect", "x.geojson", "--quiet"], ("loaders.__main__", "read_any")),
    "loaders.plan": ("loaders.plan", ["--dir"], [], ("loaders.plan", "load_plan")),
    "layers": ("layers.__main__", ["lists"], ["list"], ("layers.__main__", "layer_rows")),
    "reports": ("reports.__main__", ["--town", "黄麓镇"], ["--town", "黄麓镇", "--format", "xlsx"],
                ("reports.__main__", "load_catalog")),
    "tracking": ("tracking.__main__", ["year", "--by"], ["status"], ("tracking.service", "load_plan")),
    "store": ("store.__main__", ["upgrade", "--database"], ["upgrade"], ("store.__main__", "upgrade_store")),
    "server": ("server.__main__", ["up"], ["status"], ("server.control", "status")),
}


def _one_chinese_line(done) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done
    assert len(lines) == 1 and lines[0].startswith("错误：") and "Traceback" not in done.stderr + done.stdout, done.stderr
    return lines[0]


@pytest.mark.parametrize("name", COMMAND_LINES)
def test_a_bad_argument_and_an_internal_fault_are_one_chinese_line_and_exit_2(name, cli, monkeypatch, tmp_path):
    module, bad, good, (where, function) = COMMAND_LINES[name]
    main = importlib.import_module(module).main
    env = {"CHAOHU_WORKSPACE": str(tmp_path / "ws")}

    line = _one_chinese_line(cli(main, *bad, env=env))
    assert "命令参数有误" in line and f"python -m {name}" in line

    monkeypatch.setattr(importlib.import_module(where), function, _boom)
    line = _one_chinese_line(cli(main, *good, env=env))
    assert "内部错误（RuntimeError）" in line and "simulated" not in line
    log = tmp_path / "ws" / "logs" / "commands.log"
    assert str(log) in line
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: simulated internal fault" in text


@pytest.mark.slow
def test_outside_pytest_an_internal_fault_prints_no_traceback_either(tmp_path):
    """A separate process is the point here: without pytest's log capture, Python's last-resort log handler would
    print a logged traceback on stderr."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, layers.__main__ as m\n"
            "def boom(): raise RuntimeError('simulated internal fault')\n"
            "m.layer_rows = boom\n"
            "sys.exit(m.main(['list']))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "CHAOHU_WORKSPACE": str(tmp_path / "ws")})
    assert "内部错误（RuntimeError）" in _one_chinese_line(done)
    assert "RuntimeError: simulated internal fault" in (tmp_path / "ws" / "logs" / "commands.log").read_text(encoding="utf-8")
