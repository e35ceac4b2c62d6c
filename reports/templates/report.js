(function () {
  "use strict";
  var table = document.getElementById("findings");
  if (!table) { return; }
  var body = table.tBodies[0];
  var controls = {
    severity: document.getElementById("filter-severity"),
    rule: document.getElementById("filter-rule"),
    applicant: document.getElementById("filter-applicant"),
    text: document.getElementById("filter-text")
  };
  var counter = document.getElementById("filter-count");

  function applyFilters() {
    var needle = controls.text.value.trim().toLowerCase();
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var visible = (!controls.severity.value || row.dataset.severity === controls.severity.value) &&
        (!controls.rule.value || row.dataset.rule === controls.rule.value) &&
        (!controls.applicant.value || row.dataset.applicant === controls.applicant.value) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.classList.toggle("hidden", !visible);
      if (visible) { shown += 1; }
    });
    counter.textContent = "显示 " + shown + " / " + body.rows.length + " 条";
    table.dataset.visibleRows = String(shown);
  }

  function sortKey(row, column, numeric) {
    var cell = row.cells[column];
    var key = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
    return numeric ? parseFloat(key) || 0 : key;
  }

  function sortBy(header) {
    var column = header.cellIndex;
    var numeric = header.dataset.type === "num";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(header.parentNode.cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortKey(a, column, numeric), y = sortKey(b, column, numeric);
      var order = numeric ? x - y : String(x).localeCompare(String(y), "zh-CN");
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    if (th.classList.contains("sortable")) {
      th.addEventListener("click", function () { sortBy(th); });
    }
  });
  ["severity", "rule", "applicant"].forEach(function (name) {
    controls[name].addEventListener("change", applyFilters);
  });
  controls.text.addEventListener("input", applyFilters);
  applyFilters();
}());
