// Programme builder: drag a runner onto another runner (takes that position) or onto a heat
// (goes last), using the same move endpoint as the buttons; the server answers with the
// affected heats as out-of-band cards, which htmx swaps in place. Enter in a row's heat-number
// field presses that row's 組へ移動 (the fields share one form per heat).
(function () {
  "use strict";
  var dragged = null;

  function moveUrl(row) {
    return row.closest("table").dataset.slotsUrl + row.id.replace("slot-", "") + "/move";
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches(".heat-table input[name^=to]")) return;
    event.preventDefault();
    var button = field.closest("tr").querySelector("button[name=move]");
    if (button) button.click();
  });

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("tr[draggable=true]");
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", moveUrl(row));
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
    htmx.ajax("POST", moveUrl(dragged), { source: zone, values: values, swap: "none" });
  });
})();
