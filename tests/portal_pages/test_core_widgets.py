"""``core.widgets.pick_completion`` in real Chromium, on an autocomplete that behaves like SAO's.

It searches 300 ms after the last ``input`` event, lists entries (a country's
starts with its flag), and a click sets the field a moment later (the widget
reads the record) and closes the list; a set field searches again only once its
value was deleted (a Delete key press). Each step of a pick is one command.
"""

from __future__ import annotations

import pytest

from portal_pages.core.browser import Browser
from portal_pages.core.widgets import pick_completion
from syncapp.errors import PageChanged
from tests.portal_pages.test_round_trips import counted

pytestmark = pytest.mark.browser

WIDGET_JS = r"""
document.body.innerHTML = '<div class="m2o"><input name="country"><ul class="menu"></ul></div>';
var input = document.querySelector('input'), menu = document.querySelector('ul'), timer = null;
window.searches = 0;
var known = ['\uD83C\uDDFA\uD83C\uDDF8 United States', '\uD83C\uDDFA\uD83C\uDDF8 United States Minor Islands'];
input.addEventListener('keydown', function (e) { if (e.keyCode === 46) { delete input.dataset.set; } });
input.addEventListener('input', function () {
  if (input.dataset.set) { return; }  // a set value must be deleted before it searches again
  clearTimeout(timer);
  timer = setTimeout(function () {
    window.searches += 1;
    menu.innerHTML = '';
    known.filter(function (k) { return k.indexOf(input.value) >= 0; }).forEach(function (k) {
      var li = document.createElement('li'), a = document.createElement('a');
      a.textContent = k;
      a.addEventListener('click', function () {
        setTimeout(function () { input.value = k; input.dataset.set = '1'; menu.innerHTML = ''; }, 600);
      });
      li.appendChild(a);
      menu.appendChild(li);
    });
  }, 300);
});
"""


@pytest.fixture
def widget(browser: Browser) -> Browser:
    browser.driver.get("about:blank")
    browser.js(WIDGET_JS)
    return browser


def test_a_pick_types_once_clicks_the_exact_entry_and_waits_for_it_to_be_set(widget):
    with counted(widget.driver) as sent:
        pick_completion(widget, "input[name=country]", "ul.menu a", "United States", "country")
    assert sent == ["w3cExecuteScriptAsync"] * 2
    value, searches = widget.js("return [document.querySelector('input').value, window.searches];")
    assert value.endswith(" United States") and searches == 1  # the exact entry, one search


def test_a_set_field_is_picked_anew(widget):
    pick_completion(widget, "input[name=country]", "ul.menu a", "United States", "country")
    pick_completion(widget, "input[name=country]", "ul.menu a", "United States Minor Islands", "c")
    assert widget.js("return document.querySelector('input').value;").endswith("Minor Islands")


def test_no_exact_entry_is_page_changed_naming_the_field(widget):
    with pytest.raises(PageChanged) as info:
        pick_completion(widget, "input[name=country]", "ul.menu a", "United", "country")
    assert info.value.fields == ["country"]
