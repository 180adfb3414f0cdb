"""What one upsert did, in names only: safe to log, to queue and to send to Salesforce."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UpsertResult:
    """``emr_patient_id`` is ``None`` only for a dry run that would create the chart."""

    emr_patient_id: str | None
    created: bool
    changed_fields: list[str] = field(default_factory=list)
    # Values before/after of each written field (``portal_pages.changes``), for the
    # encrypted audit trail only: not in ``to_dict``, ``repr`` or equality.
    field_values: tuple = field(default=(), repr=False, compare=False)
    # What the bundle holds that this EMR cannot (``Portal.not_stored``), by name:
    # Salesforce shows it, so staff know those are not in the EMR.
    not_stored: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "emr_patient_id": self.emr_patient_id,
            "created": self.created,
            "changed_fields": list(self.changed_fields),
            "not_stored": list(self.not_stored),
        }
