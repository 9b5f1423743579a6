// Exports page: a download button shows 作成中… until its file arrives. The form sends a random
// token; the file's answer sets it back as a cookie (nitsys/admin/exports.py), which this script
// watches for. A refusal reloads the page anyway; after two minutes the button comes back.
(function () {
  "use strict";
  var COOKIE = "nitsys_download=";
  var CHECK_MS = 250;
  var GIVE_UP_MS = 120000;

  function arrived(token) {
    return document.cookie.split("; ").indexOf(COOKIE + token) !== -1;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form.export-form");
    if (!form) return;
    var button = form.querySelector("button[data-busy-text]");
    if (!button) return;
    var token = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    var field = form.querySelector("input[name=download_token]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "download_token";
      form.append(field);
    }
    field.value = token;
    var label = button.textContent;
    button.setAttribute("aria-busy", "true");
    button.textContent = button.dataset.busyText;
    window.setTimeout(function () { button.disabled = true; }, 0);
    var started = Date.now();
    var timer = window.setInterval(function () {
      if (!arrived(token) && Date.now() - started < GIVE_UP_MS) return;
      window.clearInterval(timer);
      document.cookie = COOKIE + "; max-age=0; path=/";
      button.removeAttribute("aria-busy");
      button.disabled = false;
      button.textContent = label;
    }, CHECK_MS);
  });
})();
