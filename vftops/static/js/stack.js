// Lists read as stacked cards on a phone (vftops.css, table.vft-stacked): each cell is
// given its column's heading as data-label, which the narrow layout shows before the
// value. A heading that is only there for screen readers (an actions column) gives no
// label. Without JavaScript the table keeps its columns and scrolls sideways.
(function () {
  "use strict";
  var tables = document.querySelectorAll("table.vft-stack:not(.vft-stacked)");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = [];
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) return;
    Array.prototype.forEach.call(row.cells, function (th) {
      var hidden = th.querySelector(".visually-hidden");
      var text = hidden && hidden.textContent === th.textContent ? "" : th.textContent;
      for (var i = 0; i < (th.colSpan || 1); i++) heads.push(text.trim());
    });
    var bodies = Array.prototype.slice.call(table.tBodies);
    if (table.tFoot) bodies.push(table.tFoot);
    bodies.forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && heads[column] && cell.colSpan < 2) {
            cell.setAttribute("data-label", heads[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("vft-stacked");
  });
  // Shown as blocks, a table loses its roles in the accessibility tree: give them back,
  // so a screen reader still reads rows and cells (each named by its data-label).
  Array.prototype.forEach.call(document.querySelectorAll("table.vft-stacked"), function (table) {
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll("tbody, tfoot"), function (group) {
      group.setAttribute("role", "rowgroup");
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr, tfoot tr"), function (tr) {
      tr.setAttribute("role", "row");
      Array.prototype.forEach.call(tr.cells, function (cell) {
        cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
      });
    });
  });
})();
