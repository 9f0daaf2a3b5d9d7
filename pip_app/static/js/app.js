/* Small progressive enhancements; the app works without this file. No inline handlers (CSP). */
(function () {
  "use strict";

  // After htmx swaps content in, move focus to what the swap asked for (a form heading, an
  // error summary, a saved notice), so keyboard and screen-reader users land on the news.
  // The marker is removed once used, so a later swap elsewhere does not pull focus back.
  function focusMarked() {
    var target = document.querySelector(".error-summary[data-focus-after-swap]") ||
      document.querySelector("[data-focus-after-swap]");
    document.querySelectorAll("[data-focus-after-swap]").forEach(function (el) {
      el.removeAttribute("data-focus-after-swap");
    });
    if (!target) { return; }
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
  }
  document.addEventListener("htmx:afterSettle", focusMarked);
  // A swap that replaced the focused element (a sort or page link in the results it replaced)
  // would drop focus to <body>: give it to the new content's [data-focus-if-lost] instead (the
  // register's result count, which is also announced).
  document.addEventListener("htmx:afterSettle", function (event) {
    var active = document.activeElement;
    if (active && active !== document.body) { return; }
    var root = event.target;
    var target = root.matches && root.matches("[data-focus-if-lost]") ? root :
      root.querySelector && root.querySelector("[data-focus-if-lost]");
    if (target) { target.focus(); }
  });
  // Swapped-in content naming a live region in data-announce-in (the register's result count)
  // has its text copied there: a live region that stays on the page is announced reliably,
  // one that arrives with the swap often is not.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    var source = root.querySelector && root.querySelector("[data-announce-in]");
    var region = source && document.getElementById(source.getAttribute("data-announce-in"));
    if (region) { region.textContent = source.textContent.trim(); }
  });
  // A full page that comes back with errors (no JavaScript on the way in, or a reload)
  // gets the same treatment.
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector(".error-summary[data-focus-after-swap]")) {
      focusMarked();
    } else {
      document.querySelectorAll("[data-focus-after-swap]").forEach(function (el) {
        el.removeAttribute("data-focus-after-swap");
      });
    }
  });

  // Forms that ask for confirmation declare it in data-confirm (htmx has hx-confirm; this
  // covers the plain submit too).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !form.hasAttribute("hx-confirm") && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  // A link to a part loaded when opened (a flag's "#meetings", from the plan page or a
  // dashboard) opens it, which loads it; without JavaScript the link still lands beside it.
  function openLinkedPart() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (target && target.tagName === "DETAILS" && !target.open) { target.open = true; }
  }
  window.addEventListener("hashchange", openLinkedPart);
  window.addEventListener("load", openLinkedPart);

  // Uploads (form[data-upload]): with htmx the file is sent by XHR, so its progress is shown; a
  // file over the limit (data-max-bytes) is refused here before anything is sent. The server
  // checks both again; without JavaScript the form posts as it is.
  function uploadForm(el) { return el && el.closest ? el.closest("form[data-upload]") : null; }
  function uploadError(form, message) {
    var box = form.querySelector("[data-upload-error]");
    var progress = form.querySelector("[data-upload-progress]");
    if (progress) { progress.hidden = true; }
    if (box) { box.textContent = message; box.hidden = !message; }
  }
  function megabytes(bytes) { return Math.round(bytes / 1048576) + " MB"; }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event.target);
    if (!form) { return; }
    var input = form.querySelector("input[type=file]");
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    uploadError(form, "");
    if (input && input.files.length && limit && input.files[0].size > limit) {
      event.preventDefault();
      uploadError(form, "The file is larger than " + megabytes(limit) + ", so it was not attached. " +
        "Make it smaller (for example, scan at a lower resolution) and attach it again.");
      return;
    }
    var progress = form.querySelector("[data-upload-progress]");
    if (progress && input && input.files.length) {
      progress.hidden = false;
      progress.querySelector("progress").value = 0;
    }
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event.target);
    var detail = event.detail || {};
    if (!form || !detail.lengthComputable || !detail.total) { return; }
    var percent = Math.round(detail.loaded * 100 / detail.total);
    form.querySelector("[data-upload-progress] progress").value = percent;
    form.querySelector("[data-upload-percent]").textContent = percent + "%";
  });
  document.addEventListener("htmx:responseError", function (event) {
    var form = uploadForm(event.target);
    if (!form) { return; }
    var status = event.detail.xhr.status;
    uploadError(form, status === 413 ?
      "The file is larger than " + megabytes(parseInt(form.getAttribute("data-max-bytes"), 10)) +
        ", so it was not attached. Make it smaller and attach it again." :
      "The file could not be attached (error " + status + "). Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = uploadForm(event.target);
    if (form) { uploadError(form, "The file could not be sent. Check your connection and try again."); }
  });
})();
