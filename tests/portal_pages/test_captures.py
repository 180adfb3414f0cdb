"""The on-call command lists captures by name and decrypts one into a private directory."""

from __future__ import annotations

import stat

from portal_pages.captures import list_captures, main, open_capture
from portal_pages.core.artifacts import _write_encrypted, capture_name


def test_list_and_open_a_capture(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EMR_ARTIFACT_DIR", str(tmp_path / "captures"))
    directory = tmp_path / "captures"
    directory.mkdir()
    name = capture_name("a0000000000003AAAA", "portal_rejected")
    _write_encrypted(directory / f"{name}.html.fernet", b"<html>Okafor-Lindqvist</html>")
    _write_encrypted(directory / f"{name}.png.fernet", b"\x89PNG fake")
    assert list_captures(directory) == [name]

    out = tmp_path / "open"
    files = open_capture(directory, name, out)
    assert sorted(p.name for p in files) == [f"{name}.html", f"{name}.png"]
    assert (out / f"{name}.html").read_bytes() == b"<html>Okafor-Lindqvist</html>"
    assert stat.S_IMODE(out.stat().st_mode) == 0o700

    assert main(["list"]) == 0
    assert capsys.readouterr().out.strip() == name
    assert main(["open", "no-such-capture", "--out", str(out)]) == 1
