"""A logged-in portal session reused across jobs, the way a front-desk clerk works.

Starting Chromium and logging in is most of a small job's cost (docs/facts.md: a
cold job ~3.8 s vs a warm one well under 1 s), so a worker keeps one browser
and its session. It is recycled (quit, and a fresh one started on next use)
after ``emr_session_max_jobs`` jobs, which bounds memory and session age, and
after any failure that leaves the browser's state in doubt. Not thread-safe:
one client per worker process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from selenium.webdriver.remote.webdriver import WebDriver

from portal_pages import sync
from portal_pages.adapters import Portal, check_bundle, check_configuration, get_adapter
from portal_pages.core import artifacts, network
from portal_pages.core.browser import Browser
from portal_pages.core.driver import quit_driver, start_driver
from portal_pages.result import UpsertResult
from syncapp.bundle import PatientBundle, validate_bundle
from syncapp.errors import AmbiguousMatch, InvalidBundle, SyncError
from syncapp.logs import log_context, timed_step
from syncapp.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Failures after which the browser is known to be in a clean, usable state.
_KEEPS_BROWSER = (InvalidBundle, AmbiguousMatch)


def checked_bundle(bundle: PatientBundle | dict[str, Any], record_id: str | None) -> PatientBundle:
    """Validate again, even a ``PatientBundle``: ``model_construct`` skips validation."""
    if isinstance(bundle, PatientBundle):
        try:
            data = bundle.model_dump(mode="json", warnings=False)
        except Exception as exc:  # noqa: BLE001 - a constructed model may not even serialise
            raise InvalidBundle(
                "Invalid patient data: bundle cannot be read", record_id=record_id
            ) from exc
    else:
        data = bundle
    try:
        return validate_bundle(data, record_id=record_id)
    except ValidationError as exc:  # defensive: validate_bundle already translates these
        raise InvalidBundle("Invalid patient data", record_id=record_id) from exc


class PortalClient:
    """Upserts bundles through one lazily started, reused, logged-in browser."""

    def __init__(self, settings: Settings, portal_cls: type[Portal]) -> None:
        self.settings = settings
        self.portal_cls = portal_cls
        self.driver: WebDriver | None = None
        self.portal: Portal | None = None
        self.jobs = 0  # jobs run in the current browser
        self.browsers_started = 0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PortalClient:
        """Cheap: resolves and checks the adapter's configuration, but starts no browser.

        ``UnknownPortal`` / ``AdapterConfigError`` early, at start-up: an unknown
        ``EMR_*`` variable or an invalid adapter setting stops the process here.
        """
        settings = settings or get_settings()
        check_configuration(settings)
        return cls(settings, get_adapter(settings.emr_portal))

    # --- the session ----------------------------------------------------------------
    def session(self) -> Portal:
        """The logged-in portal, starting the browser and logging in on first use."""
        if self.portal is not None and not self._alive():
            self.recycle("browser_died")
        if self.portal is None:
            with timed_step(log, "start_session", portal=self.settings.emr_portal):
                driver = start_driver(self.settings)
                self.driver = driver
                self.browsers_started += 1
                try:
                    tracker = network.install_tracker(driver)
                    browser = Browser(
                        driver,
                        base_url=self.settings.emr_url,
                        timeout=self.settings.emr_page_timeout,
                        tracker=tracker,
                    )
                    portal = self.portal_cls(browser, self.settings)
                    portal.login()
                except BaseException:
                    self.recycle("login_failed")
                    raise
                self.portal = portal
                self.jobs = 0
        return self.portal

    def _alive(self) -> bool:
        """A cheap round trip to the driver: a killed browser is replaced before the job."""
        try:
            self.driver.current_url  # type: ignore[union-attr]  # noqa: B018
            return True
        except Exception:  # noqa: BLE001 - any driver error means the session is unusable
            return False

    def recycle(self, reason: str) -> None:
        """Quit the browser; the next job starts a fresh one."""
        if self.driver is not None:
            log.info(
                "recycling browser", extra={"step": "recycle", "reason": reason, "count": self.jobs}
            )
        quit_driver(self.driver)
        self.driver, self.portal, self.jobs = None, None, 0

    def close(self) -> None:
        self.recycle("close")

    def __enter__(self) -> PortalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the job --------------------------------------------------------------------
    def upsert(
        self,
        bundle: PatientBundle | dict[str, Any],
        emr_patient_id: str | None = None,
        dry_run: bool = False,
        record_id: str | None = None,
        on_created: Callable[[str], None] | None = None,
        before_adopt: Callable[[str], None] | None = None,
    ) -> UpsertResult:
        """Bring the portal's chart to ``bundle``; raise a ``SyncError`` subclass on failure.

        The bundle is validated before the portal is touched (``InvalidBundle``),
        with the core rules and then the adapter's own (payers, address formats...).
        Retryable failures are retried per step within the job; what is still
        failing is raised for the task's own backoff.
        """
        valid = checked_bundle(bundle, record_id)
        check_bundle(self.portal_cls, valid, record_id)
        with log_context(record_id=record_id), timed_step(log, "upsert", dry_run=dry_run):
            try:
                portal = self.session()
                result = sync.upsert(
                    portal,
                    valid,
                    emr_patient_id=emr_patient_id,
                    dry_run=dry_run,
                    on_created=on_created,
                    before_adopt=before_adopt,
                )
            except SyncError as exc:
                exc.record_id = exc.record_id or record_id
                self._after_failure(exc, record_id)
                raise
            except Exception as exc:
                self._after_failure(exc, record_id)
                raise
            self.jobs += 1
            log.info(
                "upsert done",
                extra={
                    "step": "upsert",
                    "emr_patient_id": result.emr_patient_id,
                    "status": "created" if result.created else "updated",
                    "changed_fields": result.changed_fields,
                    "dry_run": dry_run,
                },
            )
            if self.jobs >= self.settings.emr_session_max_jobs:
                self.recycle("max_jobs")
            return result

    def _after_failure(self, exc: BaseException, record_id: str | None) -> None:
        kind = getattr(exc, "kind", type(exc).__name__)
        if self.driver is not None and not isinstance(exc, sync.BrowserDied):
            artifacts.capture_failure(
                self.driver,
                self.settings.emr_artifact_dir,
                record_id=record_id,
                kind=kind,
                retention=self.settings.emr_artifact_retention,
            )
        if not isinstance(exc, _KEEPS_BROWSER):
            self.recycle(kind)
