"""The party form (Party > Parties > People): one patient's demographics, contacts, insurances.

Reached by SAO's own links (``#<db>/model/party.party...``), one navigation each:
``/<id>`` opens a record's form; ``;domain=[...]`` opens the People list
filtered (a search by PUID, or by name + date of birth); a form-first view
(``;views=[<form view id>]``) without an id opens a new person, with the
domain's values (person, patient) as defaults. A navigation is one script:
close the open tabs (answering "No" when one asks to save what a failed attempt
left), set the link, wait until the list, the blank form or the record is drawn
and SAO is quiet; a record comes back read whole (fields, contact and insurance
rows), so a chart's sections cost no further round trip until one is written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

from selenium.webdriver.common.by import By

from portal_pages.core.browser import Browser
from portal_pages.core.fields import FILL_FUNCTION_JS, READ_FUNCTION_JS, filled_names, with_defaults
from portal_pages.core.page import Region, css
from portal_pages.core.values import from_portal_date, to_portal_date
from portal_pages.core.widgets import ROWS_FUNCTION_JS, completion_text, pick_completion
from portal_pages.diff import Values
from portal_pages.gnuhealth import sao
from portal_pages.gnuhealth.contacts import ContactMechanisms
from portal_pages.gnuhealth.insurance import Insurances
from portal_pages.gnuhealth.settings import STATE_CODES, US_STATES, GnuHealthSettings
from syncapp.errors import PageChanged, PortalRejected, PortalUnavailable

PERSON = ["is_person", "=", True]
SEX = {"female": '"f"', "male": '"m"', "other": '"other"', "unknown": '"u"'}
TEXT = {"first_name": "name", "last_name": "lastname", "street": "street", "city": "city"}
TEXT |= {"postal_code": "postal_code"}

_JS = (
    READ_FUNCTION_JS
    + ROWS_FUNCTION_JS
    + FILL_FUNCTION_JS
    + """
function rowsOf(label) { var t = one2many(label); t = t && t.querySelector('table'); return t ? ppRows(t, args.rows) : null; }
function chart() {  // the record shown, read whole; null until its form is drawn
  var p = pane(), id = /\\/party\\.party\\/(\\d+)/.exec(location.hash), ref = p && p.querySelector(args.ref);
  var person = p && p.querySelector(args.person);
  return ref && person ? {ref: ref.value.trim(), id: id ? +id[1] : null, person: person.checked,
    fields: ppRead(p), contacts: rowsOf(args.contacts), insurances: rowsOf(args.insurances)} : null;
}
function leave() {  // close every tab (No to "save?"), then set the link
  var no = document.querySelector(args.discard), closes = document.querySelectorAll(args.close_tabs);
  if (!args.heard) { args.heard = function () { args.hashAt = Date.now(); }; addEventListener('hashchange', args.heard); }
  if (no) { if (no !== args.no) { args.no = no; no.click(); } return null; }
  if (anyShown(args.modal)) { return args.closing ? null : {reload: true}; }  // a failed attempt's dialog
  if (!(window.Sao && Sao.Session.current_session)) { return {reload: true}; }
  if (closes.length) {
    if (closes.length !== args.closing) { args.closing = closes.length; args.closedAt = Date.now(); closes[0].click(); }
    return null;
  }
  // The last tab closed, SAO sets its own URL: its hashchange, still queued, would open the link twice.
  if (args.closedAt && !(args.hashAt > args.closedAt && Date.now() - args.hashAt > 50)) { return null; }
  removeEventListener('hashchange', args.heard);
  args.went = true;
  location.hash = args.link;
}
"""
)
_ACT_JS = """
if (args.op === 'row') {  // a double click on a plain cell of a listed person
  var row = pane().querySelectorAll(args.list + ' > tbody > tr')[args.index];
  var cell = Array.prototype.find.call(row.querySelectorAll('td .column-char'), shown);
  ppPress(cell);
  cell.dispatchEvent(new MouseEvent('dblclick', {bubbles: true}));
}
if (args.op === 'save') {
  pane().querySelectorAll(args.alerts).forEach(function (a) { a.remove(); });
  ppPress(pane().querySelector(args.save));
}
"""
_DONE_JS = """
if (args.op === 'open' && !args.went) { return leave() || null; }
if (!quiet || !pane()) { return null; }
var c = chart(), alerts = pane().querySelectorAll(args.alerts);
if (args.op === 'fill') {  // typed again until each field holds, then the page (SAO shows a typed field's)
  var out = ppFill(pane(), args.fields, args.selectors);
  if (Object.keys(out).some(function (k) { return out[k][0] === 'changed'; })) { return null; }
  if (args.page && !args.shown) { args.shown = true; document.activeElement.blur(); showPage(args.page); return null; }
  return out;
}
if (args.op === 'save' && (anyShown(args.modal) || pane().querySelector(args.alerts + '.alert-danger'))) {
  return {refused: true};
}
if (args.want === 'list') { var t = pane().querySelector(args.list); return t && {rows: ppRows(t, 'tbody > tr')}; }
// a new form is ready once SAO has placed its cursor (it brings the first page back then)
if (args.want === 'new') { return c && !c.ref && c.person && pane().contains(document.activeElement) ? c : null; }
return c && (args.op === 'read' || (c.ref && c.id && (args.op !== 'save' || alerts.length))) ? c : null;
"""
_FORM_JS = sao.script(_JS + _DONE_JS, _ACT_JS)


def _q(domain: list) -> str:
    return quote(json.dumps(domain), safe="")


class PartyForm(Region):
    """The front tab's party form (or People list); every lookup is scoped to the active tab."""

    _root = (By.CSS_SELECTOR, sao.PANE)
    _list = (By.CSS_SELECTOR, ".treeview table.tree")
    _ref = (By.CSS_SELECTOR, "input[name='ref']")
    _person = (By.CSS_SELECTOR, "input[name='is_person']")
    _save = (By.CSS_SELECTOR, "nav.toolbar button#save")
    _close_tabs = (By.CSS_SELECTOR, "#tablist li button.close")
    _alerts = (By.CSS_SELECTOR, ".infobar .alert")
    _discard = (By.CSS_SELECTOR, ".confirmation-dialog.in .modal-footer button[title='No']")
    _modal = (By.CSS_SELECTOR, ".modal")
    _entries = (By.CSS_SELECTOR, "li.completion > a")

    def __init__(self, browser: Browser, settings: GnuHealthSettings, reload: Callable) -> None:
        super().__init__(browser)
        self.settings, self.reload = settings, reload  # ``reload``: SAO loaded and logged in anew

    def _run(self, op: str, what: str, **args: object) -> dict:
        names = ("list", "ref", "person", "save", "close_tabs", "alerts", "discard", "modal")
        args |= {n: css(getattr(self, f"_{n}")) for n in names}
        args |= {"op": op, "contacts": ContactMechanisms.label, "insurances": Insurances.label}
        args["rows"] = sao.ROWS
        return sao.run(self.browser, _FORM_JS, args, what, "PartyForm")

    def _go(self, fragment: str, want: str, what: str) -> dict:
        link = f"#{self.settings.database}/model/party.party{fragment}"
        for _ in range(2):
            out = self._run("open", what, link=link, want=want)
            if not out.get("reload"):
                return out
            self.reload()  # SAO not loaded, logged out, or a dialog left by a failed attempt
        raise PortalUnavailable("SAO did not come back", page=self.browser.page)

    def open_new(self) -> dict:
        """A blank person form, its defaults drawn (typing earlier would be lost), read."""
        fragment = f";views={_q([self.settings.form_view])}&domain={_q([PERSON])}"
        return self._go(fragment, "new", "the new party form")

    def open_id(self, record_id: int) -> dict:
        """The form of one record by database id (a deep link), read."""
        return self._go(f"/{record_id}", "record", "the party record")

    def search(self, domain: list) -> list[str]:
        """The People list filtered by ``domain``; each row's Federation ID."""
        rows = self._go(f";domain={_q([PERSON, *domain])}", "list", "the people list")["rows"]
        return [r.get("Federation ID", "") for r in rows]

    def open_row(self, index: int) -> dict:
        return self._run("row", "the party record", index=index)

    def read(self) -> dict:
        return self._run("read", "the party form")

    def demographics(self, chart: dict) -> Values:
        raw = chart["fields"]
        missing = [n for n in ("name", "lastname", "dob", "gender", "street") if n not in raw]
        if missing:
            raise PageChanged("party form lacks fields", page=self.browser.page, fields=missing)
        out: Values = {k: str(raw.get(name) or "").strip() for k, name in TEXT.items()}
        out["date_of_birth"] = from_portal_date(str(raw["dob"]))
        out["sex"] = next((s for s, v in SEX.items() if v == raw["gender"]), "")
        state = completion_text(str(raw.get("subdivision") or ""))
        out["state"] = STATE_CODES.get(state, state)
        return out

    def write(self, changes: Values, chart: dict) -> None:
        """Text, date and selection fields in one script; the state's two autocompletes after
        (the country first when it differs), on the General page (a user's order)."""
        spec = [(TEXT[k], "text", str(v)) for k, v in changes.items() if k in TEXT]
        if "date_of_birth" in changes:
            spec.append(("dob", "text", to_portal_date(str(changes["date_of_birth"]))))
        if "sex" in changes:
            spec.append(("gender", "text", SEX.get(str(changes["sex"]), "null")))
        page = "General" if {"state", "phone", "email"} & changes.keys() else None
        if spec or page:
            args = {"fields": [list(f) for f in spec], "selectors": with_defaults(None)}
            filled = self._run("fill", "the party fields", page=page, **args)
            filled_names(filled, spec, self.browser.page)
        if "state" in changes:
            if completion_text(str(chart["fields"].get("country") or "")) != self.settings.country:
                self._pick("country", self.settings.country)
            code = str(changes["state"]).upper()
            self._pick("subdivision", US_STATES.get(code, code))

    def _pick(self, name: str, text: str) -> None:
        field = f'{sao.PANE} input[name="{name}"]'
        pick_completion(
            self.browser, field, css(self._entries), text, name, sao.QUIET_MS, sao.PICKED
        )

    def save(self) -> dict:
        """Save and read; ``PortalRejected`` (left on screen) if SAO or the server refuses."""
        out = self._run("save", "the chart save")
        if out.get("refused"):
            raise PortalRejected("GNU Health refused the chart", page=self.browser.page)
        return out
