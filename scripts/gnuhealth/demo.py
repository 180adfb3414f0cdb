"""``make demo EMR_PORTAL=gnuhealth``: the demo's EMR is the real GNU Health, not the stand-in.

``prepare`` installs/starts GNU Health and resets it to the pristine database
(the demo creates the same five patients every run), and returns the worker's
EMR settings. ``verify`` compares a Salesforce record with what GNU Health
holds, read through its JSON-RPC (the sections GNU Health does not store are
reported to Salesforce as ``notStored`` and left out of the comparison).
"""

from __future__ import annotations

from scripts.gnuhealth import chart
from scripts.gnuhealth.layout import Layout
from scripts.gnuhealth.rpc import Rpc
from scripts.gnuhealth.server import reset


class GnuHealthDemo:
    def __init__(self) -> None:
        self.layout = Layout.from_env()

    def prepare(self) -> dict[str, str]:
        print(f"GNU Health: installing if needed, resetting its database ({self.layout.dir}) ...")
        reset(self.layout)
        return self.layout.worker_env()

    def stored(self, puid: str) -> dict[str, str]:
        return chart.stored(Rpc(self.layout), puid)

    def verify(self, record: dict, puid: str) -> tuple[bool, str]:
        if puid not in chart.puids(Rpc(self.layout)):
            return False, "no patient with this PUID in GNU Health"
        want, have = chart.expected(record), self.stored(puid)
        off = sorted(k for k, v in want.items() if have.get(k, "") != v)
        return (False, f"GNU Health differs: {', '.join(off)}") if off else (True, puid)
