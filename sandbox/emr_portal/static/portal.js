/*
 * Demo EMR page behaviour shared by every page: the API helper (CSRF, session
 * expiry, lock screen), toast, confirm dialog, What's-new modal, idle lock
 * timer, patient search and the generic "record form" save cycle.
 *
 * Order of a save, which page objects can rely on: the toast is hidden, the
 * fieldset disabled and the spinner shown; then, when the answer is in, the
 * panel is re-rendered (success) or the inline errors shown (422); the
 * fieldset is enabled and the spinner hidden; the toast is shown LAST.
 */
(function () {
  "use strict";

  var body = document.body;
  var csrfMeta = document.querySelector("meta[name=csrf-token]");
  var csrfToken = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var idleLockSeconds = parseFloat(body.getAttribute("data-idle-lock-seconds")) || 300;
  var lastInput = Date.now();

  /* ---- toast ----------------------------------------------------------- */

  var toastEl = document.getElementById("toast");
  var toastTimer = null;
  var toastSeq = 0;

  function hideToast() {
    if (!toastEl) return;
    clearTimeout(toastTimer);
    toastEl.classList.remove("show", "toast-success", "toast-error");
  }

  function toast(text, kind) {
    if (!toastEl) return;
    hideToast();
    toastSeq += 1;
    toastEl.textContent = text;
    toastEl.setAttribute("data-seq", String(toastSeq));
    toastEl.classList.add("show", kind === "error" ? "toast-error" : "toast-success");
    toastTimer = setTimeout(hideToast, 4000);
  }

  /* ---- lock screen ----------------------------------------------------- */

  var lockEl = document.getElementById("lock-screen");

  function showLock() {
    if (!lockEl || lockEl.classList.contains("open")) return;
    lockEl.classList.add("open");
    var pw = document.getElementById("lock-password");
    pw.value = "";
    pw.focus();
  }

  function hideLock() {
    if (!lockEl) return;
    lockEl.classList.remove("open");
    document.getElementById("lock-error").classList.remove("show");
    document.getElementById("lock-error").textContent = "";
    lastInput = Date.now();
  }

  ["keydown", "mousedown", "input", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { lastInput = Date.now(); }, true);
  });

  if (lockEl) {
    setInterval(function () {
      if ((Date.now() - lastInput) / 1000 > idleLockSeconds) showLock();
    }, 500);

    document.getElementById("lock-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var pw = document.getElementById("lock-password");
      var err = document.getElementById("lock-error");
      var button = document.getElementById("lock-unlock");
      button.disabled = true;
      api("POST", "/api/unlock", { password: pw.value }).then(function (res) {
        button.disabled = false;
        if (res.status === 200) {
          hideLock();
        } else {
          err.textContent = res.status === 403 ? "Incorrect password" : "Could not unlock, try again";
          err.classList.add("show");
          pw.value = "";
          pw.focus();
        }
      });
    });
  }

  /* ---- API helper ------------------------------------------------------ */

  function goToLogin(expired) {
    var next = window.location.pathname + window.location.search;
    window.location.assign(
      "/login?" + (expired ? "expired=1&" : "") + "next=" + encodeURIComponent(next)
    );
  }

  /* Resolves to {status, data}; never rejects (network errors are status 0). */
  function api(method, url, payload) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrfToken },
    };
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(payload);
    }
    return fetch(url, options).then(
      function (response) {
        var idle = parseFloat(response.headers.get("X-Idle-Lock-Seconds"));
        if (!isNaN(idle)) idleLockSeconds = idle;
        return response.json().then(
          function (data) { return { status: response.status, data: data }; },
          function () { return { status: response.status, data: null }; }
        );
      },
      function () { return { status: 0, data: null }; }
    ).then(function (res) {
      if (res.status === 401) goToLogin(res.data && res.data.error === "session_expired");
      if (res.status === 423) showLock();
      return res;
    });
  }

  function failureText(res) {
    if (res.status === 0) return "Network error \u2014 please try again";
    return "Something went wrong (HTTP " + res.status + ") \u2014 please try again";
  }

  /* ---- modals ---------------------------------------------------------- */

  function openModal(el) { el.classList.add("open"); }
  function closeModal(el) { el.classList.remove("open"); }

  var confirmResolve = null;

  function confirmDialog(message, yesLabel) {
    var modal = document.getElementById("confirm-modal");
    document.getElementById("confirm-message").textContent = message;
    document.getElementById("confirm-yes").textContent = yesLabel || "Remove";
    openModal(modal);
    return new Promise(function (resolve) { confirmResolve = resolve; });
  }

  function answerConfirm(yes) {
    closeModal(document.getElementById("confirm-modal"));
    if (confirmResolve) confirmResolve(yes);
    confirmResolve = null;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("#confirm-yes")) answerConfirm(true);
    else if (event.target.closest("#confirm-no")) answerConfirm(false);
    else if (event.target.closest("#whats-new-dismiss")) {
      closeModal(document.getElementById("whats-new"));
      api("POST", "/api/whats-new/dismiss", {});
    }
  });

  /* ---- record forms ---------------------------------------------------- */

  var loadedValues = new WeakMap();

  function collect(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token") return;
      values[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    return values;
  }

  /* Remember what the server gave us; only fields that differ are sent. */
  function snapshot(form) {
    loadedValues.set(form, collect(form));
  }

  function changedFields(form) {
    var loaded = loadedValues.get(form) || {};
    var current = collect(form);
    var changed = {};
    Object.keys(current).forEach(function (name) {
      if (current[name] !== loaded[name]) changed[name] = current[name];
    });
    return changed;
  }

  function fillForm(form, values) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in values)) return;
      var value = values[el.name];
      if (el.type === "checkbox") {
        el.checked = Boolean(value);
      } else if (el.type === "hidden" && el.closest(".dropdown")) {
        window.EmrWidgets.setDropdownValue(el.closest(".dropdown"), value || "", false);
      } else {
        el.value = value == null ? "" : value;
      }
    });
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error, .form-error").forEach(function (el) {
      el.textContent = "";
      el.classList.remove("show");
    });
    form.querySelectorAll(".field.invalid").forEach(function (el) {
      el.classList.remove("invalid");
    });
  }

  function showErrors(form, errors) {
    var leftover = [];
    Object.keys(errors).forEach(function (name) {
      var el = form.querySelector('.field-error[data-for="' + name + '"]');
      if (el) {
        el.textContent = errors[name];
        el.classList.add("show");
        var field = el.closest(".field");
        if (field) field.classList.add("invalid");
      } else {
        leftover.push(errors[name]);
      }
    });
    if (leftover.length) {
      var formError = form.querySelector(".form-error");
      formError.textContent = leftover.join("; ");
      formError.classList.add("show");
    }
  }

  function setSaving(form, saving) {
    var fieldset = form.querySelector("fieldset");
    var spinner = form.querySelector(".spinner");
    if (fieldset) fieldset.disabled = saving;
    if (spinner) spinner.classList.toggle("spinning", saving);
    form.setAttribute("aria-busy", saving ? "true" : "false");
  }

  /* Hooks per form: `onSuccess(form, res)` re-renders; returns the toast text. */
  var successHooks = [];

  function onSaved(test, hook) { successHooks.push({ test: test, hook: hook }); }

  function saveForm(form) {
    if (form.querySelector("fieldset").disabled) return;
    var changes = changedFields(form);
    if (Object.keys(changes).length === 0) {
      clearErrors(form);
      toast("No changes", "success");
      return;
    }
    hideToast();
    clearErrors(form);
    setSaving(form, true);
    var method = form.getAttribute("data-method");
    var url = form.getAttribute("data-action");
    api(method, url, changes).then(function (res) {
      setSaving(form, false);
      if (res.status === 200 || res.status === 201) {
        var message = "Saved";
        successHooks.forEach(function (h) {
          if (form.matches(h.test)) message = h.hook(form, res) || message;
        });
        toast(message, "success");
      } else if (res.status === 422 && res.data && res.data.errors) {
        showErrors(form, res.data.errors);
        toast("Not saved \u2014 please correct the highlighted fields", "error");
      } else if (res.status === 423 || res.status === 401) {
        /* the lock screen (or the login page) takes over; the user saves again */
      } else {
        toast(failureText(res), "error");
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches(".record-form")) {
      event.preventDefault();
      saveForm(form);
    }
  });

  document.querySelectorAll(".record-form").forEach(snapshot);

  /* New patient: the server answers {mrn, url}; go to the new chart. */
  onSaved("[data-page=new-patient] #demographics-form", function (form, res) {
    snapshot(form);
    window.location.assign(res.data.url);
    return "Saved";
  });

  /* ---- patient search -------------------------------------------------- */

  function cell(className, text) {
    var td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    return td;
  }

  function messageRow(className, text) {
    var tr = document.createElement("tr");
    tr.className = className;
    var td = cell("", text);
    td.colSpan = 4;
    tr.appendChild(td);
    return tr;
  }

  function runSearch(form) {
    var table = document.getElementById("search-results");
    var tbody = table.querySelector("tbody");
    var params = new URLSearchParams({
      last: form.querySelector("#search-last").value.trim(),
      first: form.querySelector("#search-first").value.trim(),
      dob: form.querySelector("#search-dob").value.trim(),
    });
    clearErrors(form);
    table.setAttribute("data-state", "loading");
    tbody.replaceChildren(messageRow("loading-row", "Searching\u2026"));
    api("GET", "/api/patients/search?" + params.toString()).then(function (res) {
      if (res.status === 200) {
        var rows = res.data.results.map(function (hit) {
          var tr = document.createElement("tr");
          tr.className = "result-row";
          tr.setAttribute("data-mrn", hit.mrn);
          tr.appendChild(cell("col-mrn", hit.mrn));
          tr.appendChild(cell("col-name", hit.name));
          tr.appendChild(cell("col-dob", hit.dob));
          var actions = cell("col-actions", "");
          var link = document.createElement("a");
          link.className = "open-chart";
          link.href = hit.url;
          link.textContent = "Open chart";
          actions.appendChild(link);
          tr.appendChild(actions);
          return tr;
        });
        if (rows.length === 0) rows = [messageRow("no-results", "No matching patients.")];
        tbody.replaceChildren.apply(tbody, rows);
        table.setAttribute("data-state", "loaded");
      } else if (res.status === 422 && res.data && res.data.errors) {
        showErrors(form, res.data.errors);
        tbody.replaceChildren(messageRow("error-row", "Please correct the search fields."));
        table.setAttribute("data-state", "error");
      } else {
        tbody.replaceChildren(messageRow("error-row", "Search failed. Please try again."));
        table.setAttribute("data-state", "error");
        if (res.status !== 401 && res.status !== 423) toast(failureText(res), "error");
      }
    });
  }

  var searchForm = document.getElementById("patient-search");
  if (searchForm) {
    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      runSearch(searchForm);
    });
  }

  window.EmrPortal = {
    api: api,
    toast: toast,
    hideToast: hideToast,
    openModal: openModal,
    closeModal: closeModal,
    confirmDialog: confirmDialog,
    snapshot: snapshot,
    fillForm: fillForm,
    clearErrors: clearErrors,
    onSaved: onSaved,
    failureText: failureText,
  };
})();
