// Programme builder: drag a runner onto another runner (takes that position) or onto a heat
// (goes last). Uses the same POST endpoints as the buttons; the server answers with the
// affected heats as out-of-band cards, which htmx swaps in place.
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-move-url]");
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.moveUrl);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-target").forEach(function (el) {
      el.classList.remove("drop-target");
    });
  });

  function dropZone(event) {
    return dragged && event.target.closest && event.target.closest(".heat-body[data-heat-id]");
  }

  document.addEventListener("dragover", function (event) {
    var zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var zone = dropZone(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var zone = dropZone(event);
    if (!zone) return;
    event.preventDefault();
    var values = { to_heat: zone.dataset.heatId };
    var onto = event.target.closest("tr[data-position]");
    if (onto && onto !== dragged) values.position = onto.dataset.position;
    htmx.ajax("POST", dragged.dataset.moveUrl, { source: zone, values: values, swap: "none" });
  });
})();
