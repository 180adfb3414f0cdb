"""One UI action on SAO and its wait, as one script, and what SAO may put in the way.

Every action here is a ``core.inpage`` script: the action, then a wait inside
the page until its condition holds and SAO is quiet (no JSON-RPC in flight and
none answered for ``QUIET_MS``: SAO chains calls, each fired from the answer of
the last, and draws before its data arrive). Each condition first looks for an
interruption: the password re-prompt of an idle session (the guard answers it
and SAO resends the call, so the wait resumes without acting again), the login
dialog or an error dialog (the guard raises the matching failure). Every script
also shortens Bootstrap's fades in this browser to 1 ms (a display preference, like
a user's reduced motion): SAO's dialogs then cost no waiting of their own.
"""

from __future__ import annotations

from typing import Any

from portal_pages.core.browser import Browser
from portal_pages.core.inpage import wait_in_page, wait_script
from syncapp.errors import PortalUnavailable

QUIET_MS = 60
PICKED = ".input-icon-primary"  # a many2one's group once it holds a record (its "open" icon)
PANE = "#tabcontent > .tab-pane.active"  # the front tab
ROWS = "tbody > tr:not(.text-muted)"  # a list's rows; a deleted one stays until saved, muted
_PANE = "//*[@id='tabcontent']/*[contains(@class,'tab-pane') and contains(@class,'active')]"
_INTERRUPTED = "input#ask-dialog-entry[type=password], .login-dialog input#login, .error-dialog"
_HELPERS_JS = f"""
// Reduced motion in our browser: Bootstrap's fades (up to 300 ms each time a dialog is
// shown or hidden) last 1 ms; a transition still ends, so its events come in their order.
if (document.head && !document.getElementById('pp-motion')) {{
  var motion = document.createElement('style');
  motion.id = 'pp-motion';
  motion.textContent = '.fade, .modal-dialog, .modal-backdrop {{ transition-duration: 1ms !important; }}';
  document.head.appendChild(motion);
}}
function shown(e) {{ return !!(e && (e.offsetWidth || e.offsetHeight)); }}
function anyShown(sel) {{ return Array.prototype.some.call(document.querySelectorAll(sel), shown); }}
function pane() {{ return document.querySelector('{PANE}'); }}
function byText(all, text) {{ return Array.prototype.find.call(all, function (e) {{ return e.textContent.trim() === text; }}); }}
function one2many(label) {{  // the panel whose heading is ``label`` (it has no name)
  var l = byText(pane().querySelectorAll('div.form-one2many.panel label'), label);
  return l && l.closest('div.form-one2many.panel');
}}
function showPage(title) {{ ppPress(byText(pane().querySelectorAll('ul.nav-tabs > li > a'), title)); }}
"""


def one2many(label: str) -> tuple[str, str]:
    """The locator of the front tab's one2many list headed ``label``."""
    return (
        "xpath",
        f"{_PANE}//div[contains(@class,'form-one2many') and contains(@class,'panel')][.//label[.='{label}']]",
    )


def script(condition: str, action: str = "") -> str:
    guard = f"if (anyShown('{_INTERRUPTED}')) {{ return {{guard: true}}; }}\n"
    return wait_script(_HELPERS_JS + guard + condition, _HELPERS_JS + action)


def run(browser: Browser, js: str, args: dict[str, Any], what: str, owner: str) -> Any:
    """Act and wait; an interruption goes to the guard, then the wait resumes (``act=False``)."""
    for attempt in range(3):
        out = wait_in_page(
            browser, js, args, what=what, owner=owner, quiet_ms=QUIET_MS, act=not attempt
        )
        if not (isinstance(out, dict) and out.get("guard")):
            return out
        browser.guard()  # answers the re-prompt (SAO then resends its call) or raises
    raise PortalUnavailable(f"SAO kept interrupting {what}", page=browser.page)
