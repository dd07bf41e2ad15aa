// The page's behaviour, offline: draw the charts from their JSON, sort the tables (by keyboard
// too), search the freelancers, filter by months and entity, download any table as CSV, say how
// old the page is, follow the browser's dark mode, and unfold everything before printing.
(function () {
  "use strict";
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var euros = new Intl.NumberFormat("fr-FR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var NNBSP = "\u202f";

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  // ---- charts ---------------------------------------------------------------------------
  function theme() {
    var isDark = dark && dark.matches;
    var ink = isDark ? "#e5e7eb" : "#1f2937";
    var paper = isDark ? "#111827" : "white";
    var grid = isDark ? "#374151" : "#e5e7eb";
    return {
      "paper_bgcolor": paper, "plot_bgcolor": paper, "font.color": ink,
      "xaxis.gridcolor": grid, "yaxis.gridcolor": grid, "yaxis2.gridcolor": grid
    };
  }
  function draw() {
    return Promise.all(all(".plot[data-figure]").map(function (div) {
      var figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
      var layout = figure.layout || {};
      layout.autosize = true;
      // No tool bar: it covered the legend on a phone; each chart's data is a CSV below it.
      return Plotly.newPlot(div, figure.data, layout, { displayModeBar: false, responsive: true })
        .then(function () { return Plotly.relayout(div, theme()); });
    }));
  }
  function fitCharts() {
    all(".plot.js-plotly-plot").forEach(function (div) { Plotly.Plots.resize(div); });
  }

  // ---- numbers ---------------------------------------------------------------------------
  function cents(text) {
    if (text === "" || text === undefined) { return null; }
    var negative = text.charAt(0) === "-";
    var parts = text.replace("-", "").split(".");
    var value = parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    return negative ? -value : value;
  }
  function formatEuros(centsValue) {
    return euros.format(centsValue / 100).replace(/[\s\u00a0]/g, NNBSP) + NNBSP + "EUR";
  }
  function cellValue(cell) {
    return cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
  }

  // ---- sorting: a button in each header, so Tab and Enter reach it ----------------------
  all("table.sortable").forEach(function (table) {
    all("th button.sort", table).forEach(function (button) {
      var header = button.parentElement;
      var column = Array.prototype.indexOf.call(header.parentElement.children, header);
      button.addEventListener("click", function () {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        var numeric = button.dataset.type === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[column]), y = cellValue(b.cells[column]);
          var order;
          if (numeric) {
            order = (x === "" ? -Infinity : parseFloat(x)) - (y === "" ? -Infinity : parseFloat(y));
            if (isNaN(order)) { order = 0; }
          } else {
            // An empty value ("never") sorts before every date.
            order = x === y ? 0 : x === "" ? -1 : y === "" ? 1 : x.localeCompare(y, "fr");
          }
          return ascending ? order : -order;
        });
        all("th", table).forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  // ---- search ---------------------------------------------------------------------------
  all("input[data-filter]").forEach(function (input) {
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      input.dataset.filter.split(" ").forEach(function (id) {
        var table = document.getElementById(id);
        if (!table) { return; }
        var shown = 0;
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          var text = row.textContent.toLowerCase();
          var match = words.every(function (word) { return text.indexOf(word) >= 0; });
          row.hidden = !match;
          shown += match ? 1 : 0;
        });
        all('[data-count-of="' + id + '"]').forEach(function (counter) { counter.textContent = shown; });
      });
    });
  });

  // ---- months and entity ----------------------------------------------------------------
  var range = document.getElementById("range");
  var entity = document.getElementById("entity");
  function monthsOf(table) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (row) { return row.dataset.month; });
  }
  function selectedMonths(months) {
    var sorted = months.slice().sort();
    var last = sorted[sorted.length - 1] || "";
    if (range.value === "ytd") {
      var year = last.slice(0, 4);
      return sorted.filter(function (month) { return month.slice(0, 4) === year; });
    }
    if (range.value === "12") { return sorted.slice(-12); }
    return sorted;
  }
  function applyFilters() {
    var monthly = document.getElementById("monthly-table");
    var chosen = selectedMonths(monthsOf(monthly));
    var keep = {};
    chosen.forEach(function (month) { keep[month] = true; });
    all("table[data-months]").forEach(function (table) {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = !keep[row.dataset.month];
      });
    });
    // The total row and the selected figure: exact cents, summed here.
    var totals = [0, 0, 0];
    Array.prototype.forEach.call(monthly.tBodies[0].rows, function (row) {
      if (row.hidden) { return; }
      for (var i = 0; i < 3; i++) { totals[i] += cents(row.cells[i + 1].dataset.value); }
    });
    all("tfoot td[data-total]", monthly).forEach(function (cell) {
      cell.textContent = formatEuros(totals[parseInt(cell.dataset.total, 10) - 1]);
    });
    var column = { all: 0, blue: 1, green: 2 }[entity.value];
    document.querySelector('[data-kpi="selected-turnover"]').textContent = formatEuros(totals[column]);
    document.getElementById("selection-label").textContent =
      "(" + range.options[range.selectedIndex].text + ", " + entity.options[entity.selectedIndex].text + ")";
    all("td[data-entity]", monthly).forEach(function (cell) {
      cell.classList.toggle("dimmed", entity.value !== "all" && cell.dataset.entity !== entity.value);
    });
    // Charts over months: zoom their category axis to the chosen months.
    all(".plot[data-months].js-plotly-plot").forEach(function (div) {
      var labels = div.layout.xaxis.categoryarray || [];
      var first = labels.indexOf(chosen[0]), last = labels.indexOf(chosen[chosen.length - 1]);
      var update = range.value === "all" || first < 0 || last < 0
        ? { "xaxis.autorange": true }
        : { "xaxis.range": [first - 0.5, last + 0.5] };
      Plotly.relayout(div, update);
      if (div.id === "chart-entity") {
        Plotly.restyle(div, { visible: [entity.value !== "green", entity.value !== "blue"] }, [0, 1]);
      }
    });
  }

  // ---- CSV: what the table holds (exact values, not their display) -----------------------
  function csvField(text) {
    // A name a spreadsheet would run as a formula (=, +, -, @) is kept as text; numbers stay.
    if (/^[=+\-@]/.test(text) && isNaN(Number(text))) { text = "'" + text; }
    return /[",\n;]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function tableCsv(table) {
    var lines = [];
    var head = table.tHead.rows[0];
    lines.push(Array.prototype.map.call(head.cells, function (cell) { return csvField(cell.textContent.trim()); }).join(","));
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      if (row.hidden) { return; }
      lines.push(Array.prototype.map.call(row.cells, function (cell) { return csvField(cellValue(cell)); }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }
  all("button.csv").forEach(function (button) {
    button.addEventListener("click", function () {
      var table = document.getElementById(button.dataset.csv);
      var blob = new Blob(["\ufeff" + tableCsv(table)], { type: "text/csv;charset=utf-8" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = button.dataset.file;
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
    });
  });

  // ---- how old the page is, when it is read ---------------------------------------------
  var generated = document.getElementById("generated-ago");
  if (generated) {
    var days = Math.floor((Date.now() - Date.parse(generated.dataset.generated)) / 86400000);
    generated.textContent = "Generated " + (days <= 0 ? "today" : days === 1 ? "1 day ago" : days + " days ago");
    generated.title = generated.dataset.generated;
  }

  range.addEventListener("change", applyFilters);
  entity.addEventListener("change", applyFilters);
  draw().then(function () {
    applyFilters();
    document.body.dataset.ready = "true";
  });
  if (dark && dark.addEventListener) {
    dark.addEventListener("change", function () {
      all(".plot.js-plotly-plot").forEach(function (div) { Plotly.relayout(div, theme()); });
    });
  }
  window.addEventListener("load", fitCharts);
  window.addEventListener("beforeprint", function () {
    all("details").forEach(function (details) { details.open = true; });
    fitCharts();
  });
  window.addEventListener("afterprint", fitCharts);
})();
