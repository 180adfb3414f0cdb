"""Where GNU Health lives and how it is reached, from ``GNUHEALTH_*`` variables.

One small frozen record so the installer, the server control and the tests
agree on paths, port, database and password without re-reading the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

GNUHEALTH = "gnuhealth==5.0.6"
# psycopg2 is trytond's PostgreSQL driver (GNUHEALTH_DB_URI=postgresql://...). gnuhealth-control
# pulls it in too; pinned here because the PostgreSQL path depends on it, not by accident.
PINS = (GNUHEALTH, "trytond==7.0.59", "proteus==7.0.3", "psycopg2==2.9.13")
SAO = "tryton-sao@7.0.56"
# SAO's bower dependencies, taken from npm (bower cannot reach GitHub here).
SAO_LIBS = (
    "jquery@3.8.0",
    "bootstrap@3.4.1",
    "moment@2.31.0",
    "gettext.js@0.7.0",
    "d3@5.16.0",
    "c3@0.7.20",
    "papaparse@5.7.1",
    "fullcalendar@3.10.2",
    "mousetrap@1.6.5",
    "sortablejs@1.15.7",
)
# npm package file -> path under sao/bower_components that SAO's index.html loads.
SAO_FILES = {
    "jquery/dist/jquery.min.js": "jquery/dist/jquery.min.js",
    "bootstrap/dist/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "moment/min/moment.min.js": "moment/min/moment.min.js",
    "moment/min/locales.min.js": "moment/min/locales.min.js",
    "gettext.js/dist/gettext.min.js": "gettext.js/dist/gettext.min.js",
    "d3/dist/d3.min.js": "d3/d3.min.js",
    "c3/c3.min.js": "c3/c3.min.js",
    "c3/c3.min.css": "c3/c3.min.css",
    "papaparse/papaparse.min.js": "papaparse/papaparse.min.js",
    "fullcalendar/dist/fullcalendar.min.js": "fullcalendar/dist/fullcalendar.min.js",
    "fullcalendar/dist/locale-all.js": "fullcalendar/dist/locale-all.js",
    "fullcalendar/dist/fullcalendar.min.css": "fullcalendar/dist/fullcalendar.min.css",
    "mousetrap/mousetrap.min.js": "mousetrap/mousetrap.min.js",
    "sortablejs/Sortable.min.js": "Sortable/Sortable.min.js",
}


@dataclass(frozen=True)
class Layout:
    dir: Path
    port: int
    db_uri: str  # "sqlite://" or "postgresql://user@host:port/"
    database: str
    password: str
    session_timeout: int

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Layout:
        env = os.environ if env is None else env
        return cls(
            dir=Path(env.get("GNUHEALTH_DIR") or ROOT / ".data" / "gnuhealth").resolve(),
            port=int(env.get("GNUHEALTH_PORT") or 8003),
            db_uri=env.get("GNUHEALTH_DB_URI") or "sqlite://",
            database=env.get("GNUHEALTH_DATABASE") or "health",
            password=env.get("GNUHEALTH_ADMIN_PASSWORD") or "gnusolidario",
            session_timeout=int(env.get("GNUHEALTH_SESSION_TIMEOUT") or 300),
        )

    def env(self) -> dict[str, str]:
        """The ``GNUHEALTH_*`` variables that give this layout back (``make down`` finds it so)."""
        return {
            "GNUHEALTH_DIR": str(self.dir),
            "GNUHEALTH_PORT": str(self.port),
            "GNUHEALTH_DB_URI": self.db_uri,
            "GNUHEALTH_DATABASE": self.database,
            "GNUHEALTH_ADMIN_PASSWORD": self.password,
            "GNUHEALTH_SESSION_TIMEOUT": str(self.session_timeout),
        }

    def worker_env(self) -> dict[str, str]:
        """The worker's EMR settings when this GNU Health is the EMR (``make up``/``make demo``)."""
        return {
            "EMR_PORTAL": "gnuhealth",
            "EMR_URL": self.url.rstrip("/"),
            "EMR_USERNAME": "admin",
            "EMR_PASSWORD": self.password,
            "EMR_GNUHEALTH_DATABASE": self.database,
        }

    @property
    def sqlite(self) -> bool:
        return self.db_uri.startswith("sqlite")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    venv = property(lambda self: self.dir / "venv")
    python = property(lambda self: self.dir / "venv" / "bin" / "python")
    sao = property(lambda self: self.dir / "sao")
    db_dir = property(lambda self: self.dir / "db")

    @property
    def _run_name(self) -> str:
        """One server per database, so a test's own database runs beside the shared one.

        The default database keeps the plain ``trytond.*`` names older runs left behind.
        """
        return "trytond" if self.database == "health" else f"trytond-{self.database}"

    conf = property(lambda self: self.dir / f"{self._run_name}.conf")
    log = property(lambda self: self.dir / f"{self._run_name}.log")
    pidfile = property(lambda self: self.dir / f"{self._run_name}.pid")

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    @property
    def db_file(self) -> Path:
        return self.db_dir / f"{self.database}.sqlite"

    @property
    def pristine_file(self) -> Path:
        return self.db_dir / f"{self.database}.pristine.sqlite"

    @property
    def pristine_database(self) -> str:
        """PostgreSQL: the template database a reset copies."""
        return f"{self.database}_pristine"

    def config_text(self) -> str:
        """trytond.conf; rewritten on each start, so the session timeout can change."""
        # path: SQLite's files, and trytond's filestore (attachments) on either backend.
        return (
            f"[database]\nuri = {self.db_uri}\npath = {self.db_dir}\n\n"
            f"[web]\nlisten = 127.0.0.1:{self.port}\nroot = {self.sao}\n\n"
            f"[session]\ntimeout = {self.session_timeout}\n"
        )
