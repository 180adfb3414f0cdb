"""Install GNU Health from PyPI, npm and Debian, idempotently, step by step.

Each step leaves a stamp naming what it installed, so running it again costs
about a second, and a changed pin re-runs only its own step. The database is
initialised, ``health`` activated and configured (company, insurers, the
module wizard marked done) once; a copy of that pristine database is kept so
tests can reset in seconds (``server.reset``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.gnuhealth.layout import PINS, SAO, SAO_FILES, SAO_LIBS, Layout

CONFIGURE = Path(__file__).with_name("configure.py")
# Debian packages psycopg2 (pulled in by gnuhealth-control) needs to build from sdist.
APT_PACKAGES = {"gcc": "gcc", "pg_config": "libpq-dev"}


def say(msg: str) -> None:
    print(f"==> gnuhealth: {msg}", flush=True)


def _run(cmd: list[str | Path], **kw) -> None:
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def _stamp_ok(stamp: Path, content: str) -> bool:
    return stamp.exists() and stamp.read_text() == content


def ensure_apt() -> None:
    missing = [pkg for tool, pkg in APT_PACKAGES.items() if shutil.which(tool) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit(f"GNU Health needs Debian packages {missing}: apt-get install them")
    say(f"apt-get install {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-qq"], env=env)
    _run(["apt-get", "install", "-y", "-qq", *missing], env=env, stdout=subprocess.DEVNULL)


def ensure_venv(lay: Layout) -> None:
    stamp = lay.venv / ".installed"
    if _stamp_ok(stamp, "\n".join(PINS)):
        return
    ensure_apt()
    say(f"virtualenv + pip install {' '.join(PINS)} (about a minute)")
    if not lay.python.exists():
        _run([sys.executable, "-m", "venv", lay.venv])
    pip = [lay.python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, *PINS])
    stamp.write_text("\n".join(PINS))


def ensure_sao(lay: Layout) -> None:
    """SAO's prebuilt npm tarball plus its runtime libraries in the paths index.html loads."""
    stamp = lay.sao / ".installed"
    want = "\n".join((SAO, *SAO_LIBS))
    if _stamp_ok(stamp, want):
        return
    say(f"npm {SAO} and its libraries")
    npm_dir = lay.dir / "npm"
    npm_dir.mkdir(parents=True, exist_ok=True)
    _run(
        ["npm", "install", "--prefix", npm_dir, "--ignore-scripts", "--no-audit", "--no-fund"]
        + ["--loglevel=error", SAO, *SAO_LIBS],
        stdout=subprocess.DEVNULL,
    )
    modules = npm_dir / "node_modules"
    if lay.sao.exists():
        shutil.rmtree(lay.sao)
    shutil.copytree(modules / "tryton-sao", lay.sao)
    for src, dst in SAO_FILES.items():
        target = lay.sao / "bower_components" / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(modules / src, target)
    for empty in ("custom.js", "custom.css"):
        (lay.sao / empty).touch()
    stamp.write_text(want)


def _db_stamp(lay: Layout) -> Path:
    """Names the URI, database, password and configure.py's text: a change initialises again."""
    seed = f"{lay.db_uri}|{lay.database}|{lay.password}|{CONFIGURE.read_text()}"
    key = hashlib.sha256(seed.encode()).hexdigest()
    return lay.dir / f".db-{key[:16]}"


def database_ready(lay: Layout) -> bool:
    """Initialised and its pristine copy still there (someone may have dropped it)."""
    if not _db_stamp(lay).exists():
        return False
    if lay.sqlite:
        return lay.pristine_file.exists()
    from scripts.gnuhealth import pg

    return pg.exists(lay, lay.pristine_database)


def ensure_database(lay: Layout) -> None:
    """Initialise, activate ``health``, configure, keep a pristine copy. Server must be down."""
    if database_ready(lay):
        return
    from scripts.gnuhealth import pg

    lay.db_dir.mkdir(parents=True, exist_ok=True)
    lay.conf.write_text(lay.config_text())
    if lay.sqlite:
        lay.db_file.unlink(missing_ok=True)
        lay.db_file.touch()
    else:
        pg.recreate(lay, lay.database)
    with tempfile.NamedTemporaryFile("w", suffix=".pass") as passfile:
        passfile.write(lay.password)
        passfile.flush()
        env = {**os.environ, "TRYTONPASSFILE": passfile.name}
        admin = [lay.bin("trytond-admin"), "-c", lay.conf, "-d", lay.database]
        t0 = time.monotonic()
        say("initialising the database")
        _run([*admin, "--all", "--email", "admin@localhost"], env=env, stdout=subprocess.DEVNULL)
        say("activating the health module (about 40 s)")
        _run([*admin, "-u", "health", "--activate-dependencies"], env=env)
    say("configuring: company, insurers, module wizard")
    _run([lay.python, CONFIGURE, lay.conf, lay.database])
    if lay.sqlite:
        shutil.copy2(lay.db_file, lay.pristine_file)
    else:
        pg.recreate(lay, lay.pristine_database, template=lay.database)
    _db_stamp(lay).write_text(f"{lay.db_uri} {lay.database}\n")
    say(f"database ready in {time.monotonic() - t0:.0f} s")


def drop_database(lay: Layout) -> None:
    """Remove the database, its pristine copy, its stamp and its server's files. Server down."""
    _db_stamp(lay).unlink(missing_ok=True)
    if lay.sqlite:
        lay.db_file.unlink(missing_ok=True)
        lay.pristine_file.unlink(missing_ok=True)
    else:
        from scripts.gnuhealth import pg

        pg.drop(lay, lay.database)
        pg.drop(lay, lay.pristine_database)
    shutil.rmtree(lay.db_dir / lay.database, ignore_errors=True)  # trytond's filestore
    for path in (lay.conf, lay.log, lay.pidfile):
        path.unlink(missing_ok=True)


def install(lay: Layout) -> None:
    lay.dir.mkdir(parents=True, exist_ok=True)
    ensure_venv(lay)
    ensure_sao(lay)
    ensure_database(lay)
