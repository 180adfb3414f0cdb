"""The Insurances list of the party form (Health page) and its edit dialog.

A coverage is one ``gnuhealth.insurance`` row: number (member id), insurance
company (a party, through the payer map), member since (effective date). The
rank has no field of its own: it is kept in *Category*, which the list shows,
so staff see which coverage is primary. A row is edited in a dialog (New, or a
double click on the row), ready once shown (Bootstrap's event, after the fade),
showing the record opened (SAO reuses the form: until then it holds the last
dialog's record, which typing would change) and SAO has put its cursor in it
again: the focus moves then, which would close a completion list opened before. The insurer is
picked first; Add / Apply is clicked with the fields, SAO quiet (a click on a
half-applied pick is refused).
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.fields import FILL_FUNCTION_JS, filled_names, with_defaults
from portal_pages.core.grid import EditableGrid
from portal_pages.core.page import Region, css
from portal_pages.core.values import from_portal_date, to_portal_date
from portal_pages.core.widgets import pick_completion
from portal_pages.diff import Values
from portal_pages.gnuhealth import sao
from portal_pages.gnuhealth.settings import GnuHealthSettings
from syncapp.errors import PortalUnavailable

RANK_LABEL = {"primary": "Primary", "secondary": "Secondary"}

_DIALOG_JS = sao.script(
    """
var dialog = document.querySelector(args.dialog), company = dialog && dialog.querySelector(args.company);
var focused = document.activeElement;  // SAO's cursor, placed again once the dialog is shown
// SAO reuses the dialog's form: until it has drawn the record opened, its widgets still hold
// the last dialog's record (typing then would change that one): the number says which is shown.
var number = dialog && dialog.querySelector(args.number);
if (args.op === 'open') { return quiet && args.shown && company && number && number.value === args.expect && dialog.contains(focused) && /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tagName) || null; }
if (anyShown(args.open)) { return quiet && dialog && dialog.querySelector('.alert-danger') ? {refused: true} : null; }
return quiet && {filled: args.filled};
""",
    FILL_FUNCTION_JS
    + """
if (args.op === 'open') {  // New, or a double click on the row, on the Health page
  jQuery(document).one('shown.bs.modal', function () { args.shown = true; });
  showPage(args.page);
  var list = one2many(args.label), row = list.querySelectorAll(args.rows)[args.index];
  var cell = row && row.querySelector(args.cell);
  ppPress(cell || list.querySelector(args.new));
  if (cell) { cell.dispatchEvent(new MouseEvent('dblclick', {bubbles: true})); }
} else {
  var dialog = document.querySelector(args.dialog);
  args.filled = ppFill(dialog, args.fields, args.selectors);
  ppPress(dialog.querySelector(args.apply));
}
""",
)


class InsuranceDialog(Region):
    """The modal form of one insurance (``Add`` when new, ``Apply changes`` when editing)."""

    _root = (By.CSS_SELECTOR, ".modal.in")
    _company = (By.CSS_SELECTOR, ".modal.in input[name='company']")
    _number = (By.CSS_SELECTOR, "input[name='number']")
    _entries = (By.CSS_SELECTOR, ".modal.in li.completion > a")
    _open = (By.CSS_SELECTOR, ".modal, .modal-backdrop")
    _apply = (By.CSS_SELECTOR, ".modal-footer button[title='Add'], button[title='Apply changes']")

    def run(self, op: str, **args: object) -> dict:
        args |= {"op": op, "dialog": css(self._root), "company": css(self._company)}
        args["number"] = css(self._number)
        args |= {"open": css(self._open), "apply": css(self._apply)}
        return sao.run(self.browser, _DIALOG_JS, args, f"insurance dialog {op}", "InsuranceDialog")

    def apply(self, values: Values, settings: GnuHealthSettings) -> None:
        """The insurer (two scripts), then the fields and Add / Apply (one)."""
        if "payer" in values:
            insurer, company = settings.insurer(str(values["payer"])), css(self._company)
            entries, quiet = css(self._entries), sao.QUIET_MS
            pick_completion(self.browser, company, entries, insurer, "insurer", quiet, sao.PICKED)
        spec = [("number", "text", str(values["member_id"]))] if "member_id" in values else []
        if "effective_date" in values:
            spec.append(("member_since", "text", to_portal_date(str(values["effective_date"]))))
        if "rank" in values:
            spec.append(("category", "text", RANK_LABEL[str(values["rank"])]))
        fields = {"fields": [list(f) for f in spec], "selectors": with_defaults(None)}
        out = self.run("apply", **fields)
        if out.get("refused"):  # the fields we fill are its only checks: retry from a reload
            raise PortalUnavailable("the insurance dialog refused Add", page=self.browser.page)
        if out.get("filled") is not None:  # None: SAO asked for the password in between
            filled_names(out["filled"], spec, self.browser.page)


class Insurances(EditableGrid):
    label, page = "Insurances", "Health"
    _root = sao.one2many(label)
    _rows = (By.CSS_SELECTOR, sao.ROWS)
    _new = (By.CSS_SELECTOR, ".form-one2many-toolbar button[title='New']")
    _delete = (By.CSS_SELECTOR, ".form-one2many-toolbar button[title='Delete']")
    _cell = (By.CSS_SELECTOR, "td[data-title^='Number'] .column-char")
    quiet_ms = sao.QUIET_MS

    @staticmethod
    def coverages(rows: list[dict], settings: GnuHealthSettings) -> dict[str, tuple[int, Values]]:
        """Per rank: (row index, values); rows without a known rank are left alone."""
        out: dict[str, tuple[int, Values]] = {}
        for i, r in enumerate(rows):
            rank = next((k for k, v in RANK_LABEL.items() if v == r.get("Category")), None)
            if rank and rank not in out and r.get("Number"):
                payer = settings.payer(r.get("Insurance Company", ""))
                since = from_portal_date(r.get("Member since", ""))
                out[rank] = (i, {"payer": payer, "member_id": r["Number"], "effective_date": since})
        return out

    def edit_in_dialog(self, index: int | None, number: str = "") -> InsuranceDialog:
        """Open the dialog of row ``index`` (its member number ``number``), or a new one
        (``None``); ready once it shows that record."""
        dialog = InsuranceDialog(self.browser)
        args = {"label": self.label, "page": self.page, "index": -1 if index is None else index}
        args["expect"] = "" if index is None else number
        dialog.run("open", **args, new=css(self._new), rows=css(self._rows), cell=css(self._cell))
        return dialog
