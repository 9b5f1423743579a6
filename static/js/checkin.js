// Check-in desk: "/" focuses the search box; a new search selects the old text for overtyping.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    var search = document.getElementById("checkin-q");
    if (!search || event.key !== "/" || event.target.matches("input, textarea, select")) return;
    event.preventDefault();
    search.focus();
    search.select();
  });
})();
