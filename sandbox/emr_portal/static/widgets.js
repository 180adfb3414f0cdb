/*
 * Demo EMR widgets: the custom dropdown and the masked date input.
 *
 * Vendor portals rarely use native form controls; these two reproduce the
 * behaviours that make browser automation hard (a hidden input behind a
 * button and a list, an input that rewrites what is typed). Handlers are
 * delegated from `document` so that fragments loaded later just work.
 */
(function () {
  "use strict";

  var EMPTY_TEXT = "Select\u2026";

  function optionText(dropdown, value) {
    var options = dropdown.querySelectorAll(".dropdown-option");
    for (var i = 0; i < options.length; i++) {
      if (options[i].getAttribute("data-value") === value) {
        return options[i].textContent.trim();
      }
    }
    return null;
  }

  function openDropdown(dropdown) {
    dropdown.classList.add("open");
    dropdown.querySelector(".dropdown-menu").hidden = false;
  }

  function closeDropdown(dropdown) {
    dropdown.classList.remove("open");
    dropdown.querySelector(".dropdown-menu").hidden = true;
  }

  function closeAll(except) {
    document.querySelectorAll(".dropdown.open").forEach(function (dd) {
      if (dd !== except) closeDropdown(dd);
    });
  }

  /* Set the value, the hidden input and the toggle text; `fire` dispatches `change`. */
  function setDropdownValue(dropdown, value, fire) {
    var text = value ? optionText(dropdown, value) : null;
    if (value && text === null) return false; // not one of the options
    var input = dropdown.querySelector("input[type=hidden]");
    dropdown.setAttribute("data-value", value || "");
    input.value = value || "";
    dropdown.querySelector(".dropdown-toggle").textContent = text || EMPTY_TEXT;
    dropdown.querySelectorAll(".dropdown-option").forEach(function (li) {
      li.classList.toggle("selected", li.getAttribute("data-value") === value);
      li.setAttribute("aria-selected", li.getAttribute("data-value") === value ? "true" : "false");
    });
    if (fire) input.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".dropdown-toggle");
    if (toggle) {
      var dd = toggle.closest(".dropdown");
      var wasOpen = dd.classList.contains("open");
      closeAll(dd);
      if (wasOpen) closeDropdown(dd);
      else openDropdown(dd);
      return;
    }
    var option = event.target.closest(".dropdown-option");
    if (option) {
      var owner = option.closest(".dropdown");
      var fieldset = owner.closest("fieldset");
      if (!(fieldset && fieldset.disabled)) {
        setDropdownValue(owner, option.getAttribute("data-value"), true);
      }
      closeDropdown(owner);
      return;
    }
    closeAll(null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeAll(null);
  });

  /* "03042015" -> "03/04/2015"; partial input gets the slashes it has reached. */
  function maskDate(value) {
    var digits = String(value || "").replace(/\D/g, "").slice(0, 8);
    var out = digits.slice(0, 2);
    if (digits.length > 2) out += "/" + digits.slice(2, 4);
    if (digits.length > 4) out += "/" + digits.slice(4);
    return out;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("date-mask")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key.length === 1 && !/[0-9]/.test(event.key)) event.preventDefault();
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("date-mask")) return;
    var masked = maskDate(input.value);
    if (masked !== input.value) input.value = masked;
  });

  window.EmrWidgets = {
    setDropdownValue: setDropdownValue,
    maskDate: maskDate,
    closeAll: closeAll,
  };
})();
