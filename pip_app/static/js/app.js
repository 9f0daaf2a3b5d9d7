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
})();
