// Draws the dashboard charts. Each <canvas data-chart="..." data-chart-src="..."> fetches its
// figures as JSON from an endpoint that applies the same permissions as the page. The figures
// are also in a table beside every chart, so a failed fetch only loses the picture.
(function () {
  "use strict";

  // The same colours as the stage badges in app.css (each passes AA against white text).
  var STAGE_COLOURS = {
    draft: "#5c636a",
    submitted: "#0a58ca",
    under_review: "#6610f2",
    changes_requested: "#8a4b00",
    selected: "#087990",
    rejected: "#b02a37",
    pilot: "#146c43",
    suspended: "#9a3412",
    production: "#0f5132",
    discontinued: "#6c2b2b",
    withdrawn: "#41464b",
    funnel: "#0b3d60"
  };

  function colour(key) {
    return STAGE_COLOURS[key] || "#0b3d60";
  }

  function configFor(kind, payload) {
    var stacked = kind === "stacked-bar";
    var datasets = payload.datasets.map(function (d) {
      return {
        label: d.label,
        data: d.data,
        backgroundColor: colour(d.key),
        borderColor: "#ffffff",
        borderWidth: 1
      };
    });
    return {
      type: "bar",
      data: { labels: payload.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: kind === "funnel" ? "y" : "x",
        plugins: { legend: { display: stacked, position: "bottom" } },
        scales: {
          x: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    };
  }

  function draw(canvas) {
    var src = canvas.getAttribute("data-chart-src");
    var kind = canvas.getAttribute("data-chart");
    if (!src || typeof window.Chart === "undefined") {
      return;
    }
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (payload) {
        new window.Chart(canvas, configFor(kind, payload));
      })
      .catch(function () {
        var note = document.createElement("p");
        note.className = "small text-body-secondary";
        note.textContent =
          canvas.getAttribute("data-chart-error") ||
          "The chart could not be loaded; the table gives the same figures.";
        canvas.replaceWith(note);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
