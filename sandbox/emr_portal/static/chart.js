/*
 * Demo EMR chart page: tabs whose panels are fetched on first view, and the
 * guardian, insurance and note interactions. Every successful save or
 * removal re-renders the whole panel from the server's answer, so what the
 * page shows is always what the server stored.
 */
(function () {
  "use strict";

  var P = window.EmrPortal;
  var mrn = document.body.getAttribute("data-mrn");
  var panelData = {}; // tab name -> `data` of the last answer

  function panel(tab) { return document.getElementById("tab-" + tab); }

  function renderPanel(payload) {
    var el = panel(payload.tab);
    panelData[payload.tab] = payload.data;
    el.innerHTML = payload.html;
    el.querySelectorAll(".record-form").forEach(P.snapshot);
    el.setAttribute("data-state", "loaded");
    if (payload.name) document.getElementById("chart-name").textContent = payload.name;
  }

  function loadPanel(tab) {
    var el = panel(tab);
    if (el.getAttribute("data-fetching") === "1") return;
    el.setAttribute("data-fetching", "1");
    el.setAttribute("data-state", "loading");
    P.api("GET", el.getAttribute("data-src")).then(function (res) {
      el.removeAttribute("data-fetching");
      if (res.status === 200) {
        renderPanel(res.data);
      } else if (res.status !== 401) {
        el.setAttribute("data-state", "error");
        el.innerHTML =
          '<div class="panel-error alert-error">Could not load this section. ' +
          '<button type="button" class="btn btn-small retry-load">Retry</button></div>';
      }
    });
  }

  function showTab(tab, updateUrl) {
    document.querySelectorAll("#chart-tabs .tab").forEach(function (a) {
      a.classList.toggle("active", a.getAttribute("data-tab") === tab);
    });
    document.querySelectorAll(".tab-panel").forEach(function (el) {
      el.classList.toggle("active", el.getAttribute("data-tab") === tab);
    });
    if (updateUrl) history.replaceState(null, "", "?tab=" + tab);
    var el = panel(tab);
    if (el.getAttribute("data-state") !== "loaded") loadPanel(tab);
  }

  document.getElementById("chart-tabs").addEventListener("click", function (event) {
    var link = event.target.closest(".tab");
    if (!link) return;
    event.preventDefault();
    showTab(link.getAttribute("data-tab"), true);
  });

  document.addEventListener("click", function (event) {
    var retry = event.target.closest(".retry-load");
    if (retry) loadPanel(retry.closest(".tab-panel").getAttribute("data-tab"));
  });

  /* Saves answer with the tab payload: re-render the panel it belongs to. */
  P.onSaved("[data-page=chart] .record-form", function (form, res) {
    var modal = form.closest(".modal");
    if (modal) P.closeModal(modal);
    renderPanel(res.data);
    return "Saved";
  });

  function removeThing(url, tab, message) {
    P.confirmDialog(message, "Remove").then(function (yes) {
      if (!yes) return;
      P.hideToast();
      P.api("DELETE", url).then(function (res) {
        if (res.status === 200) {
          renderPanel(res.data);
          P.toast("Removed", "success");
        } else if (res.status !== 401 && res.status !== 423) {
          P.toast(P.failureText(res), "error");
        }
      });
    });
  }

  /* ---- guardians --------------------------------------------------------- */

  var EMPTY_GUARDIAN = {
    first_name: "", last_name: "", relationship: "", phone: "", email: "", is_primary: false,
  };

  function openGuardian(guardian) {
    var modal = document.getElementById("guardian-modal");
    var form = document.getElementById("guardian-form");
    var base = "/api/patients/" + mrn + "/guardians";
    P.clearErrors(form);
    P.fillForm(form, guardian || EMPTY_GUARDIAN);
    form.setAttribute("data-method", guardian ? "PATCH" : "POST");
    form.setAttribute("data-action", guardian ? base + "/" + guardian.id : base);
    form.setAttribute("data-guardian-id", guardian ? String(guardian.id) : "");
    document.getElementById("guardian-modal-title").textContent =
      guardian ? "Edit guardian" : "Add guardian";
    P.snapshot(form);
    P.openModal(modal);
    form.querySelector("input[name=first_name]").focus();
  }

  function guardianById(id) {
    return (panelData.guardians || []).filter(function (g) { return String(g.id) === id; })[0];
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("#guardian-add")) {
      openGuardian(null);
    } else if (target.closest(".guardian-edit")) {
      var row = target.closest(".guardian-row");
      openGuardian(guardianById(row.getAttribute("data-guardian-id")));
    } else if (target.closest(".guardian-remove")) {
      var id = target.closest(".guardian-row").getAttribute("data-guardian-id");
      removeThing("/api/patients/" + mrn + "/guardians/" + id, "guardians", "Remove this guardian?");
    } else if (target.closest(".coverage-remove")) {
      var rank = target.closest(".coverage").getAttribute("data-rank");
      removeThing(
        "/api/patients/" + mrn + "/insurance/" + rank, "insurance", "Remove the " + rank + " insurance?"
      );
    } else if (target.closest("#note-add")) {
      var noteForm = document.getElementById("note-form");
      P.clearErrors(noteForm);
      noteForm.reset();
      P.snapshot(noteForm);
      P.openModal(document.getElementById("note-modal"));
      noteForm.querySelector("input[name=date]").focus();
    } else if (target.closest(".modal .cancel")) {
      var modal = target.closest(".modal");
      var form = modal.querySelector(".record-form");
      if (form && form.querySelector("fieldset").disabled) return; // a save is in flight
      if (form) P.clearErrors(form);
      P.closeModal(modal);
    }
  });

  var initial = document.querySelector("#chart-tabs .tab.active");
  showTab(initial ? initial.getAttribute("data-tab") : "demographics", false);
})();
