"""config/statushook.service passes `systemd-analyze verify` without a word about the unit, and
keeps the settings the deployment relies on (docs/contract.md §5)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import REPO_ROOT, statushook_bin

UNIT = REPO_ROOT / "config" / "statushook.service"
INSTALLED_BIN = "/usr/local/bin/statushook"
INSTALLED_CONF = "/etc/statushook/statushook.conf"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def settings(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_unit_has_the_sandboxing_and_lifecycle_settings():
    s = settings(UNIT.read_text(encoding="utf-8"))
    one = {k: v[-1] for k, v in s.items()}
    assert one["Type"] == "exec"
    assert one["ExecStart"] == f"{INSTALLED_BIN} serve --config {INSTALLED_CONF}"
    assert "/bin/kill -HUP $MAINPID" in s["ExecReload"]
    assert one["Restart"] == "on-failure"
    assert one["User"] == "statushook"
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices",
                "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups",
                "LockPersonality", "MemoryDenyWriteExecute"):
        assert one.get(key) == "yes", f"{key}={one.get(key)}"
    assert one["ProtectSystem"] == "strict"
    assert one["CapabilityBoundingSet"] == ""
    assert one["RestrictAddressFamilies"] == "AF_UNIX AF_INET AF_INET6"
    assert "@system-service" in s["SystemCallFilter"]
    assert one["LogsDirectory"] == "statushook" and one["StateDirectory"] == "statushook"
    m = re.fullmatch(r"(\d+)s?", one["TimeoutStopSec"])
    assert m and int(m.group(1)) > 40, "TimeoutStopSec must exceed the daemon's drain bound"


def test_systemd_analyze_verify_is_silent(tmp_path):
    assert SYSTEMD_ANALYZE is not None, "systemd-analyze is not installed: scripts/test installs Debian's systemd package"
    binary = statushook_bin()
    config = tmp_path / "statushook.conf"
    config.write_text("auth_token = x\ndatabase_url = host=/tmp\n", encoding="utf-8")
    text = UNIT.read_text(encoding="utf-8")
    assert INSTALLED_BIN in text and INSTALLED_CONF in text
    # verify checks that the executables exist: point them at the built binary and a config
    # file of our own; everything else is verified as shipped.
    text = text.replace(INSTALLED_BIN, binary).replace(INSTALLED_CONF, str(config))
    unit = tmp_path / "statushook.service"
    unit.write_text(text, encoding="utf-8")
    env = dict(os.environ, SYSTEMD_LOG_LEVEL="notice", SYSTEMD_LOG_COLOR="0", SYSTEMD_PAGER="")
    r = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", str(unit)],
                       capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    output = (r.stdout + r.stderr).strip()
    # Lines about other units (the host's own, in a container without systemd running) are
    # not ours; anything naming our unit file or the unit is a failure.
    ours = [line for line in output.splitlines()
            if "statushook" in line or str(unit) in line or str(tmp_path) in line]
    assert r.returncode == 0 and not ours, f"systemd-analyze verify (exit {r.returncode}):\n{output}"
    if output:
        print(f"systemd-analyze verify, lines about other units:\n{output}")

    # The check is not vacuous: a misspelt key in the same file is reported.
    unit.write_text(text.replace("LockPersonality=yes", "LockPersonality=yes\nProtectKernelTunable=yes"),
                    encoding="utf-8")
    r = subprocess.run([SYSTEMD_ANALYZE, "verify", "--man=no", str(unit)],
                       capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert "ProtectKernelTunable" in r.stdout + r.stderr, r.stdout + r.stderr
