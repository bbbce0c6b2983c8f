/* Dashboards: draw each chart from the JSON data block the page embeds next to it (window.Plotly, served
   locally). Each block: {kind: bar|line|stacked|grouped, unit, x: [...], series: [{name, y: [...]}]}. */
(function () {
  "use strict";
  var COLORS = ["#1f5fa8", "#b4232a", "#2e7d32", "#b26a00", "#6a4c93", "#00838f"];

  function fontFamily() {
    var css = window.getComputedStyle(document.body).fontFamily;
    return css || '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
  }

  function traces(data) {
    return data.series.map(function (s, i) {
      var t = {
        name: s.name, x: data.x, y: s.y, marker: { color: COLORS[i % COLORS.length] },
        hovertemplate: "%{x}<br>" + s.name + "：%{y:,}" + (data.unit || "") + "<extra></extra>",
      };
      if (data.kind === "line") {
        t.type = "scatter"; t.mode = "lines+markers+text"; t.line = { width: 3, color: COLORS[i % COLORS.length] };
        t.text = s.y.map(function (v) { return String(v); }); t.textposition = "top center"; t.cliponaxis = false;
      } else {
        t.type = "bar";
      }
      return t;
    });
  }

  function layout(data) {
    var many = data.series.length > 1;
    var values = [].concat.apply([], data.series.map(function (s) { return s.y; }));
    var whole = values.every(function (v) { return Math.round(v) === v; });
    var top = Math.max.apply(null, values.concat([0]));
    var yaxis = { title: { text: data.unit || "" }, rangemode: "tozero", automargin: true, gridcolor: "#eceef1",
                  tickformat: whole ? ",d" : "," };
    if (whole && top < 10) { yaxis.dtick = 1; }
    return {
      font: { family: fontFamily(), size: 13, color: "#1f2329" },
      margin: { l: 56, r: 16, t: 12, b: many ? 72 : 40 },
      height: 300,
      barmode: data.kind === "stacked" ? "stack" : "group",
      showlegend: many,
      legend: { orientation: "h", x: 0, y: -0.18, yanchor: "top", traceorder: "normal" },
      xaxis: { type: "category", automargin: true, tickfont: { size: 12 } },
      yaxis: yaxis,
      separators: ".,",
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      hoverlabel: { font: { family: fontFamily() } },
    };
  }

  var CONFIG = {
    responsive: true, displaylogo: false, showLink: false, showEditInChartStudio: false, showSendToCloud: false,
    displayModeBar: "hover", modeBarButtons: [["toImage"]], toImageButtonOptions: { format: "png", scale: 2 },
  };

  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (div) {
      var block = document.getElementById(div.getAttribute("data-chart"));
      if (!block) { return; }
      var data = JSON.parse(block.textContent);
      var config = Object.assign({}, CONFIG, { toImageButtonOptions: { format: "png", scale: 2, filename: data.title } });
      window.Plotly.newPlot(div, traces(data), layout(data), config);
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
