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
})();
