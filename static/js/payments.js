// Review desk keyboard: j / k move between rows, a approves, r opens the reject reason,
// v opens the slip; and click-to-zoom in the slip viewer.
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-payment-row]"));
  }

  function current() {
    var row = document.activeElement && document.activeElement.closest("[data-payment-row]");
    return row || document.querySelector("[data-payment-row].current");
  }

  function focusRow(row) {
    if (!row) return;
    rows().forEach(function (other) {
      other.classList.remove("current");
    });
    row.classList.add("current");
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    var index = all.indexOf(current());
    focusRow(all[Math.min(Math.max(index + step, 0), all.length - 1)]);
  }

  function typing(event) {
    var tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select";
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    var row = current();
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (event.key === "a" && row) {
      var approve = row.querySelector("[data-approve]");
      if (approve) approve.click();
    } else if (event.key === "r" && row) {
      var reject = row.querySelector("[data-reject]");
      if (reject) {
        // The form is loaded when the section opens: focus the reason once it is there.
        var focusReason = function () {
          var reason = reject.querySelector("input[name=reason]");
          if (reason) reason.focus();
          return Boolean(reason);
        };
        reject.open = true;
        if (!focusReason()) reject.addEventListener("htmx:afterSettle", focusReason, { once: true });
        event.preventDefault();
      }
    } else if (event.key === "v" && row) {
      var link = row.querySelector("[data-slip-link]");
      if (link) link.click();
    } else return;
  });

  // After a row is swapped, keep the keyboard position on the same row.
  document.addEventListener("htmx:afterSwap", function (event) {
    var row = event.detail.target;
    if (row && row.id && row.id.indexOf("payment-") === 0) {
      var fresh = document.getElementById(row.id);
      if (fresh && fresh.matches("[data-payment-row]")) focusRow(fresh);
    }
  });

  document.addEventListener("click", function (event) {
    var image = event.target.closest("[data-zoom]");
    if (image) image.classList.toggle("zoomed");
  });
})();
