"""SAO's login dialogs and its password re-prompt, behind core's ``SessionGuard``.

Logging in is two modal dialogs: the login name (``input#login``), then the
password (``input#ask-dialog-entry``). After trytond's idle timeout the next
action gets the password dialog alone: that is this EMR's lock screen, and
answering it lets SAO resend the action. A server crash shows an
``.error-dialog``. One script reads all of it; each answer is one script that
waits in the page for SAO's reply. A wrong password closes the prompt and, once
trytond has answered (it delays failed logins), asks again: that is a refusal.
"""

from __future__ import annotations

from selenium.webdriver.common.by import By

from portal_pages.core.guard import GuardState, SessionGuard, UnlockOutcome
from portal_pages.core.inpage import wait_in_page, wait_script
from portal_pages.core.page import css
from portal_pages.gnuhealth.sao import QUIET_MS
from syncapp.errors import PortalRejected

_SIGNALS_JS = """
var s = {};
Object.keys(args.signals).forEach(function (k) {
  s[k] = Array.prototype.some.call(document.querySelectorAll(args.signals[k]), function (e) {
    return !!(e.offsetWidth || e.offsetHeight); });
});
"""
# started: the login dialog or the menu; asked: the password prompt (the login name sent
# again if its click was lost under load); answered: SAO took the password, or asked again.
_SENT_JS = wait_script(
    _SIGNALS_JS
    + """
if (args.until === 'started') { return quiet && (s.login || s.menu) && s; }
if (args.until === 'asked') {
  if (quiet && !s.prompt && Date.now() - args.at > 1000) { args.at = Date.now(); ppPress(document.querySelector(args.submit)); }
  return s.prompt;
}
args.gone = args.gone || !s.prompt;
if (s.warning || (args.gone && s.prompt)) { return 'refused'; }
return quiet && !s.prompt && !s.login && (s.menu || args.until === 'unlocked') && 'clear';
""",
    """
var el = Array.prototype.find.call(document.querySelectorAll(args.field), function (e) { return e.offsetWidth; });
Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, args.text);
el.dispatchEvent(new Event('input', {bubbles: true}));
ppPress(document.querySelector(args.submit));
args.at = Date.now();
""",
)


class SaoGuard(SessionGuard):
    _login = (By.CSS_SELECTOR, ".login-dialog input#login")
    _login_submit = (By.CSS_SELECTOR, ".login-dialog button[type=submit]")
    _password = (By.CSS_SELECTOR, "input#ask-dialog-entry[type=password]")
    _password_ok = (By.CSS_SELECTOR, ".modal.in .modal-footer button.btn-primary")
    _menu = (By.CSS_SELECTOR, "#menu div.column-char")
    _error = (By.CSS_SELECTOR, ".modal .error-dialog, .modal.error-dialog")
    _warning = (By.CSS_SELECTOR, ".modal .alert-danger, .modal.warning-dialog")

    def _signals(self) -> dict[str, str]:
        names = {"error": self._error, "login": self._login, "prompt": self._password}
        return {
            k: css(v) for k, v in (names | {"menu": self._menu, "warning": self._warning}).items()
        }

    def _send(self, until: str, field=None, text: str = "", submit=None) -> object:
        args = {"signals": self._signals(), "until": until, "text": text}
        args |= {"field": css(field or self._password), "submit": css(submit or self._password_ok)}
        act = until != "started"
        return wait_in_page(
            self.browser, _SENT_JS, args, what=until, owner="SaoGuard", quiet_ms=QUIET_MS, act=act
        )

    def state(self) -> GuardState:
        js = "var args = arguments[0];" + _SIGNALS_JS + "return s;"
        s = self.browser.js(js, {"signals": self._signals()}, owner="SaoGuard")
        locked = s["prompt"] and not s["login"]
        return GuardState(error_page=s["error"], logged_out=s["login"], locked=locked)

    def started(self) -> bool:
        """Until SAO shows its login dialog or its menu; ``True``: logged in already."""
        return self._send("started")["menu"]

    def unlock(self, password: str) -> UnlockOutcome:
        return "refused" if self._send("unlocked", text=password) == "refused" else "clear"

    def sign_in(self) -> None:
        """Login name, then password; logged in when the menu is drawn."""
        self._send("asked", self._login, self.username, self._login_submit)
        if self._send("in", text=self._secret) != "clear":
            raise PortalRejected("GNU Health refused the login", page="login")
