// Notice banners: a dismissed banner stays hidden in this browser (localStorage).
(function () {
  "use strict";
  var KEY = "nitsys.dismissedNotices";

  function dismissed() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "[]");
    } catch (error) {
      return [];
    }
  }

  function remember(id) {
    var ids = dismissed();
    if (ids.indexOf(id) === -1) ids.push(id);
    try {
      window.localStorage.setItem(KEY, JSON.stringify(ids.slice(-200)));
    } catch (error) {
      /* private mode: dismissal lasts for this page only */
    }
  }

  function apply() {
    var ids = dismissed();
    document.querySelectorAll("[data-notice-id]").forEach(function (banner) {
      if (ids.indexOf(banner.getAttribute("data-notice-id")) !== -1) {
        banner.classList.add("is-dismissed");
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss-notice]");
    if (!button) return;
    var id = button.getAttribute("data-dismiss-notice");
    remember(id);
    var banner = button.closest("[data-notice-id]");
    if (banner) banner.classList.add("is-dismissed");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", apply);
  } else {
    apply();
  }
})();
