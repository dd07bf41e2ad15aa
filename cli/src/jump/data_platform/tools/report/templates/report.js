// Sort a table by the clicked column (numbers by their data-sort value), and open the folded
// tables before printing so that paper shows every figure.
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (header, column) {
    header.addEventListener("click", function () {
      var ascending = header.getAttribute("aria-sort") !== "ascending";
      var numeric = header.dataset.type === "number";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column], y = b.cells[column];
        var order = numeric
          ? parseFloat(x.dataset.sort) - parseFloat(y.dataset.sort)
          : x.textContent.localeCompare(y.textContent, "fr");
        return ascending ? order : -order;
      });
      table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
// Each chart is drawn as its <div> is parsed, before the page's layout is final: fit them to
// their boxes once it is, and to the paper's width before printing.
function fitCharts() {
  document.querySelectorAll(".js-plotly-plot").forEach(function (chart) {
    Plotly.Plots.resize(chart);
  });
}
window.addEventListener("load", fitCharts);
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details").forEach(function (details) { details.open = true; });
  fitCharts();
});
window.addEventListener("afterprint", fitCharts);
