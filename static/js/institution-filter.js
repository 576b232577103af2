// The institution filter searches as you type: it asks the server for matching names
// (use-cases/institutions.json) and puts the id of the name picked into a hidden field.
(function () {
  "use strict";

  function setup(input) {
    var url = input.getAttribute("data-institution-filter");
    var list = document.getElementById(input.getAttribute("list"));
    var hidden = input.parentNode.querySelector("[data-institution-id]");
    var idsByName = {};
    var timer = null;
    var latest = 0;
    if (input.value && hidden.value) {
      idsByName[input.value] = hidden.value;
    }

    function sync() {
      var name = input.value.trim();
      hidden.value = Object.prototype.hasOwnProperty.call(idsByName, name) ? idsByName[name] : "";
    }

    function suggest() {
      var ticket = ++latest;
      var query = input.value.trim();
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (ticket !== latest) {
            return;
          }
          list.textContent = "";
          data.results.forEach(function (item) {
            idsByName[item.name] = String(item.id);
            var option = document.createElement("option");
            option.value = item.name;
            if (item.name_zh) {
              option.label = item.name_zh;
            }
            list.appendChild(option);
          });
          sync();
        })
        .catch(function () {
          list.textContent = "";
        });
    }

    input.addEventListener("input", function () {
      sync();
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 150);
    });
    input.addEventListener("change", sync);
    input.addEventListener("focus", function () {
      if (!list.firstChild) {
        suggest();
      }
    });
  }

  document.querySelectorAll("[data-institution-filter]").forEach(setup);
})();
