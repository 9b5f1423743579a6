// NIT-SYS site-wide behaviour: toasts, failed-request messages, no double submission.
// No framework and no inline script (the CSP forbids it); page-specific code lives in
// static/js/<area>.js.
(function () {
  "use strict";

  var NETWORK_FAILED = "通信に失敗しました。電波の良い場所でもう一度お試しください。";
  var STATUS_MESSAGES = {
    403: "この操作を行う権限がありません。",
    404: "対象が見つかりません。画面を再読み込みしてください。",
    409: "他の人が先に更新しました。画面を再読み込みしてください。",
    413: "ファイルが大きすぎます。",
    429: "操作が集中しています。少し待ってからもう一度お試しください。",
  };
  var SERVER_FAILED = "サーバーでエラーが発生しました。もう一度お試しください。";
  var STAYING_LEVELS = ["warning", "error"]; // these stay until the user closes them
  var MAX_TOASTS = 4;

  function showToast(message, level) {
    var container = document.getElementById("toasts");
    if (!container || !message) return;
    level = level || "info";
    var toast = document.createElement("div");
    toast.className = "toast toast-" + level;
    toast.setAttribute("role", level === "error" ? "alert" : "status");
    var text = document.createElement("p");
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "閉じる");
    close.textContent = "×";
    close.addEventListener("click", function () {
      toast.remove();
    });
    toast.append(text, close);
    container.append(toast);
    while (container.children.length > MAX_TOASTS) container.firstElementChild.remove();
    if (STAYING_LEVELS.indexOf(level) === -1) {
      setTimeout(function () {
        toast.remove();
      }, 5000);
    }
  }

  window.nitsys = { showToast: showToast };

  // A refused form (422, or a page shown with its messages) takes the eye and the focus to
  // its first problem: on a phone the message may be a screen away from the button.
  function focusFirstProblem(root) {
    var field = root && root.querySelector('[aria-invalid="true"]');
    if (!field) return;
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 422) focusFirstProblem(event.detail.elt);
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstProblem(document.getElementById("main"));
  });

  // Server side: nitsys.htmx.trigger(toast=...) sends HX-Trigger: {"toast": {message, level}}.
  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  // 4xx/5xx (except 422, which swaps the form back with its messages) and network failures.
  // htmx leaves the page as it was, so the same button can simply be tapped again.
  // A polled widget (X-Nitsys-Poll) just tries again in a few seconds: no toast every 5 s.
  function isPoll(event) {
    var config = event.detail.requestConfig;
    return Boolean(config && config.headers && config.headers["X-Nitsys-Poll"]);
  }

  document.addEventListener("htmx:responseError", function (event) {
    if (isPoll(event)) return;
    var xhr = event.detail.xhr;
    // Our error handlers answer HTMX with their own toast (HX-Trigger): don't say it twice.
    if (/"toast"/.test(xhr.getResponseHeader("HX-Trigger") || "")) return;
    var status = xhr.status;
    showToast(STATUS_MESSAGES[status] || (status >= 500 ? SERVER_FAILED : NETWORK_FAILED), "error");
  });
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (isPoll(event)) return;
      showToast(NETWORK_FAILED, "error");
    });
  });

  // Plain POST forms: a second tap while the first is on its way is ignored. Buttons are
  // disabled only after the submit event, or the clicked button's name/value would be lost.
  // htmx forms cancel the native submit themselves (defaultPrevented) and are left alone;
  // forms opening a download or another window opt out with target= or data-allow-resubmit.
  var RESUBMIT_AFTER_MS = 10000; // a download leaves the page in place: allow a new try

  function setSubmitting(form, busy) {
    form.toggleAttribute("data-submitting", busy);
    form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]")
      .forEach(function (button) {
        button.disabled = busy;
        button.toggleAttribute("aria-busy", busy);
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.method !== "post") return;
    if (form.hasAttribute("target") || form.hasAttribute("data-allow-resubmit")) return;
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    setTimeout(function () {
      setSubmitting(form, true);
    }, 0);
    setTimeout(function () {
      setSubmitting(form, false);
    }, RESUBMIT_AFTER_MS);
  });

  // Back/forward cache restores the page as it was left: with its buttons disabled.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      setSubmitting(form, false);
    });
  });

  // Success and info messages fade after a while; warnings and errors stay to be read.
  function dismissFlashes() {
    var fading = "#flash-messages .flash-success, #flash-messages .flash-info";
    document.querySelectorAll(fading).forEach(function (flash) {
      setTimeout(function () {
        flash.classList.add("is-leaving");
        setTimeout(function () {
          flash.remove();
        }, 400);
      }, 8000);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", dismissFlashes);
  } else {
    dismissFlashes();
  }
})();
