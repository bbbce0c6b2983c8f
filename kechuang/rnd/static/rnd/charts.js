/* Draw each chart from the JSON block next to it with the locally served plotly.js (no network). The same
   look as the work dashboards (reports/charts.js); kinds: combo (bars + a line on a second axis), lines,
   hbar (names on the left), rank (lower is better: the axis reversed), target (bars against 100%). */
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.Plotly) { return; }
  var COLORS = ["#1f5fa8", "#b4232a", "#2e7d32", "#b26a00", "#6a4c93", "#00838f"];
  var font = window.getComputedStyle(document.body).fontFamily || '"Noto Sans CJK SC", sans-serif';
  var CONFIG = { responsive: true, displaylogo: false, showLink: false, showEditInChartStudio: false,
                 showSendToCloud: false, displayModeBar: "hover", modeBarButtons: [["toImage"]] };
  document.querySelectorAll("[data-rnd-chart]").forEach(function (div) {
    var block = document.getElementById(div.getAttribute("data-rnd-chart"));
    if (!block) { return; }
    var d = JSON.parse(block.textContent);
    var across = d.kind === "hbar" || d.kind === "target";  // names on the left, values across
    var labelled = d.x.length <= 6;  // values written on the points only when they fit
    var values = [];
    var shown = d.series.filter(function (s) { return s.y.some(function (v) { return v !== null; }); });
    var traces = shown.map(function (s, i) {
      var color = COLORS[i % COLORS.length];
      values = values.concat(s.y.filter(function (v) { return v !== null; }));
      var t = { name: s.name, marker: { color: color }, yaxis: s.axis === "y2" ? "y2" : "y",
                hovertemplate: (across ? "%{y}" : "%{x}") + "<br>" + s.name + "：" + (across ? "%{x:,}" : "%{y:,}") + s.suffix + "<extra></extra>" };
      if (across) {
        t.type = "bar"; t.orientation = "h"; t.x = s.y.slice().reverse(); t.y = d.x.slice().reverse();
        if (d.kind === "target") { t.marker.color = t.x.map(function (v) { return v >= 100 ? "#2e7d32" : "#b4232a"; }); }
      } else if (s.type === "line") {
        t.type = "scatter"; t.mode = labelled ? "lines+markers+text" : "lines+markers"; t.x = d.x; t.y = s.y;
        t.connectgaps = false; t.line = { width: 3, color: color }; t.textposition = "top center"; t.cliponaxis = false;
        t.text = s.y.map(function (v) {
          if (v === null) { return ""; }
          if (d.kind === "rank") { return "第" + v + "位"; }
          return (s.suffix === "%" ? v.toFixed(2) : String(v)) + s.suffix;
        });
      } else {
        t.type = "bar"; t.x = d.x; t.y = s.y;
      }
      return t;
    });
    var layout = {
      font: { family: font, size: 13, color: "#1f2329" }, height: across ? Math.max(260, 34 * d.x.length + 80) : 300,
      margin: { l: across ? 12 : 56, r: d.y2_title ? 56 : 24, t: 16, b: shown.length > 1 ? 72 : 48 },
      showlegend: shown.length > 1, barmode: "group", separators: ".,",
      legend: { orientation: "h", x: 0, y: -0.18, yanchor: "top" },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", hoverlabel: { font: { family: font } },
      xaxis: { type: across ? "linear" : "category", automargin: true, tickfont: { size: 12 }, gridcolor: "#eceef1",
               title: { text: across ? d.y_title : "" }, rangemode: "tozero" },
      yaxis: { type: across ? "category" : "linear", automargin: true, gridcolor: "#eceef1", title: { text: across ? "" : d.y_title },
               rangemode: "tozero", tickformat: "," },
    };
    if (d.y2_title) {
      layout.yaxis2 = { title: { text: d.y2_title }, overlaying: "y", side: "right", rangemode: "tozero", showgrid: false,
                        automargin: true, tickformat: ".2f" };
    }
    if (d.kind === "rank") {  // first place at the top
      var worst = Math.max.apply(null, values.concat([1]));
      layout.yaxis.autorange = "reversed"; layout.yaxis.tickformat = "d"; layout.yaxis.rangemode = "normal";
      layout.yaxis.range = [worst + 0.5, 0.5]; layout.yaxis.autorange = false;
      if (worst <= 12) { layout.yaxis.dtick = 1; }
    }
    if (d.kind === "target") {
      layout.shapes = [{ type: "line", yref: "paper", y0: 0, y1: 1, x0: 100, x1: 100, line: { color: "#b26a00", dash: "dash", width: 2 } }];
    }
    var config = Object.assign({}, CONFIG, { toImageButtonOptions: { format: "png", scale: 2, filename: d.title } });
    window.Plotly.newPlot(div, traces, layout, config);
  });
});
