// Follows a report request until it is ready or failed, then reloads the page once to show the
// download (or the error). Without JavaScript the page offers a refresh link instead.
(function () {
  "use strict";
  var box = document.getElementById("report-progress");
  if (!box) return;
  var status = box.getAttribute("data-status");
  if (status === "done" || status === "failed") return;
  var url = box.getAttribute("data-status-url");
  var step = box.querySelector('[data-field="step"]');
  var label = box.querySelector('[data-field="label"]');
  var delay = 1000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { delay = Math.min(delay * 2, 10000); return; }
        if (state.status === "done" || state.status === "failed") {
          window.location.reload();
          return;
        }
        if (label) label.textContent = state.label;
        if (step) step.textContent = state.step || "waiting for a worker";
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); })
      .then(function () { window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
