// Exports page: the button shows progress while the file is built. A download does not leave
// the page, so the button comes back after a few seconds (a refusal reloads the page anyway).
(function () {
  "use strict";
  var BUSY_MS = 4000;

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form.export-form");
    if (!form) return;
    var button = form.querySelector("button[data-busy-text]");
    var label = button.textContent;
    button.setAttribute("aria-busy", "true");
    button.textContent = button.dataset.busyText;
    window.setTimeout(function () { button.disabled = true; }, 0);
    window.setTimeout(function () {
      button.removeAttribute("aria-busy");
      button.disabled = false;
      button.textContent = label;
    }, BUSY_MS);
  });
})();
