/* Typed work is not lost (issue 22): a warning before leaving a form with unsaved changes, a
   draft of what was typed kept for this tab and this person, and a character counter before text reaches its
   limit. Progressive: the forms work the same without this file. No inline handlers (CSP). */
(function () {
  "use strict";

  var DRAFT_PREFIX = "pip-draft:";

  // --- Drafts: form[data-draft-key] keeps what was typed in sessionStorage (this tab only, gone
  // when it closes or on sign-out) and puts it back when the form appears again: after a stray
  // click, Back, or a trip to the plan page from the closure gate. Cleared on submit.
  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name.slice(-10) === "csrf_token") { return false; }
      var type = (el.type || "").toLowerCase();
      return ["hidden", "submit", "button", "file", "password", "reset"].indexOf(type) === -1;
    });
  }
  function readForm(form) {
    var values = {};
    draftFields(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { (values[el.name] = values[el.name] || []).push(el.value); }
        else if (!(el.name in values)) { values[el.name] = []; }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }
  function writeForm(form, values) {
    draftFields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      var value = values[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = value.indexOf(el.value) !== -1;
      } else {
        el.value = value;
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  function sameValues(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }
  function draftKey(form) { return DRAFT_PREFIX + form.getAttribute("data-draft-key"); }
  function saveDraft(form) {
    var store = storage();
    if (!store || !form.hasAttribute("data-draft-key")) { return; }
    var values = readForm(form);
    if (sameValues(values, form.__pipLoaded)) { store.removeItem(draftKey(form)); return; }
    try { store.setItem(draftKey(form), JSON.stringify(values)); } catch (e) { /* full: no draft */ }
  }
  function clearDraft(form) {
    var store = storage();
    if (store && form.hasAttribute("data-draft-key")) { store.removeItem(draftKey(form)); }
  }
  function restoreDraft(form) {
    var store = storage();
    var saved = store && store.getItem(draftKey(form));
    if (!saved) { return; }
    var values;
    try { values = JSON.parse(saved); } catch (e) { store.removeItem(draftKey(form)); return; }
    if (sameValues(values, form.__pipLoaded)) { return; }
    writeForm(form, values);
    form.__pipDirty = true;
    var notice = form.querySelector("[data-draft-notice]");
    if (notice) { notice.hidden = false; }
  }

  // --- Unsaved changes: form[data-unsaved-warning] that was typed in asks before the page is
  // left (a link, Back, closing the tab); submitting it clears the warning.
  function setUp(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll("form[data-unsaved-warning], form[data-draft-key]") : [];
    Array.prototype.forEach.call(forms, function (form) {
      if (form.__pipReady) { return; }
      form.__pipReady = true;
      form.__pipLoaded = readForm(form);
      var box = form.closest("section, .card") || form;
      if (box.querySelector(".error-summary")) {
        // Sent back with a problem (422, 409): what it holds is still unsaved.
        form.__pipDirty = true;
        var store = storage();
        if (store && form.hasAttribute("data-draft-key")) {
          try { store.setItem(draftKey(form), JSON.stringify(form.__pipLoaded)); } catch (e) { /* no draft */ }
        }
      } else if (form.hasAttribute("data-draft-key")) {
        restoreDraft(form);
      }
    });
    var areas = root.querySelectorAll ? root.querySelectorAll("textarea[maxlength][data-counter]") : [];
    Array.prototype.forEach.call(areas, counter);
  }
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || !form.__pipReady || !event.isTrusted) { return; }
    form.__pipDirty = true;
    saveDraft(form);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form || !form.__pipReady || !event.isTrusted) { return; }
    form.__pipDirty = true;
    saveDraft(form);
  });
  // Capture, after app.js's confirmation (a cancelled confirm leaves the work unsent): htmx
  // prevents the plain submit of its forms later, on the form itself.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) { return; }
    form.__pipDirty = false;
    clearDraft(form);
    if (form.getAttribute("action") && /\/logout$/.test(form.getAttribute("action"))) {
      var store = storage();
      if (store) {
        Object.keys(store).forEach(function (key) {
          if (key.indexOf(DRAFT_PREFIX) === 0) { store.removeItem(key); }
        });
      }
    }
  }, true);
  document.addEventListener("click", function (event) {
    var discard = event.target.closest && event.target.closest("[data-draft-discard]");
    if (!discard) { return; }
    var form = discard.closest("form");
    clearDraft(form);
    writeForm(form, form.__pipLoaded);
    form.__pipDirty = false;
    discard.closest("[data-draft-notice]").hidden = true;
  });
  window.addEventListener("beforeunload", function (event) {
    var dirty = Array.prototype.some.call(document.querySelectorAll("form[data-unsaved-warning]"), function (form) {
      return form.__pipDirty;
    });
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- A counter under a long text field (textarea[maxlength][data-counter]): "120 of 2,000
  // characters", announced politely, so nothing is cut at the limit unseen.
  function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function counter(area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) { return; }
    var limit = parseInt(area.getAttribute("maxlength"), 10);
    var update = function () {
      var used = area.value.length;
      out.textContent = grouped(used) + " of " + grouped(limit) + " characters" +
        (used >= limit ? ": you have reached the limit" : "");
      out.classList.toggle("counter--full", used >= limit * 0.9);
    };
    if (!area.__pipCounter) {
      area.__pipCounter = true;
      area.addEventListener("input", update);
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setUp(event.target); });
})();
