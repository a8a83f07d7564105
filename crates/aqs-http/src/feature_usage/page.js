// Sorts the feature usage table by the column whose header is clicked (again: the other
// way). Numbers sort by their data-sort value, text as text.
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.tabIndex = 0;
    var sort = function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var cell = row.cells[column];
        var n = cell.getAttribute("data-sort");
        return n === null ? cell.textContent : Number(n);
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = typeof x === "number" ? x - y : x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
  });
});
