/* The R&D expense grid (rnd/projects/project_detail.html). */
// Live row / column totals while typing (the saved figures come from the server).
(function () {
  var form = document.getElementById("expense-grid");
  if (!form) return;
  function num(v) { v = (v || "").replace(/[,，\s]/g, ""); var n = parseFloat(v); return isFinite(n) ? n : 0; }
  function fmt(n) { return n.toFixed(2); }
  function update() {
    var cols = {}, grand = 0;
    form.querySelectorAll("tbody tr").forEach(function (tr) {
      var sum = 0;
      tr.querySelectorAll("input[data-cat]").forEach(function (i) {
        var n = num(i.value); sum += n; cols[i.dataset.cat] = (cols[i.dataset.cat] || 0) + n;
      });
      tr.querySelector("[data-row-total]").textContent = fmt(sum); grand += sum;
    });
    form.querySelectorAll("[data-col-total]").forEach(function (td) { td.textContent = fmt(cols[td.dataset.colTotal] || 0); });
    form.querySelector("[data-grand-total]").textContent = fmt(grand);
  }
  form.addEventListener("input", update);
  update();  // after a refused save the totals follow what was typed
})();
