/* Small progressive enhancements; the app works without this file. No inline handlers (CSP). */
(function () {
  "use strict";

  // After htmx swaps in an error summary or a saved message, move focus there so keyboard
  // and screen-reader users hear what happened.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) { return; }
    var focusable = target.querySelector("[data-focus-after-swap], .error-summary");
    if (focusable) {
      if (!focusable.hasAttribute("tabindex")) { focusable.setAttribute("tabindex", "-1"); }
      focusable.focus();
    }
  });

  // Buttons that ask for confirmation declare it in data-confirm (hx-confirm needs no eval,
  // but plain forms do not have it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);
})();

document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
