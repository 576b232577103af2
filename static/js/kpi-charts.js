// Draws each KPI's series against its target on the use-case page. The figures come from the
// canvas's data-kpi-chart attribute and are also in the table beside it, so a page without
// JavaScript loses only the picture.
(function () {
  "use strict";

  function draw(canvas) {
    if (typeof window.Chart === "undefined") {
      return;
    }
    var payload = JSON.parse(canvas.getAttribute("data-kpi-chart"));
    var datasets = [
      {
        label: payload.label,
        data: payload.values,
        borderColor: "#0b3d60",
        backgroundColor: "#0b3d60",
        spanGaps: true,
        tension: 0
      }
    ];
    if (payload.target !== null) {
      datasets.push({
        label: payload.target_label || "Target",
        data: payload.labels.map(function () { return payload.target; }),
        borderColor: "#146c43",
        borderDash: [6, 4],
        pointRadius: 0
      });
    }
    if (payload.baseline !== null) {
      datasets.push({
        label: payload.baseline_label || "Baseline",
        data: payload.labels.map(function () { return payload.baseline; }),
        borderColor: "#6c757d",
        borderDash: [2, 3],
        pointRadius: 0
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: payload.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  document.querySelectorAll("canvas[data-kpi-chart]").forEach(draw);
})();
