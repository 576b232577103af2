// Page behaviour for every page. The Content-Security-Policy allows scripts from 'self' only, so
// nothing here relies on inline handlers: each behaviour hangs off a data attribute.
(function () {
  "use strict";

  // Ask before irreversible actions (forms carry data-confirm with the question), and send
  // such a form once: a second click while the first submission is on its way would ask the
  // question again and post twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question) {
      return;
    }
    if (form.hasAttribute("data-submitted") || !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitted", "");
    // Disabled after the submission has read the form, so the clicked button's own
    // name and value are still sent.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
        b.disabled = true;
      });
    }, 0);
  });

  // A page restored from the back-forward cache shows its forms as they were left: make
  // them usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-submitted]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
        b.disabled = false;
      });
    });
  });

  // The error summary (GOV.UK pattern): focus moves to it when the page loads, and each of
  // its links moves focus to the field it names, with the field's label in view.
  function focusField(target) {
    var label = document.querySelector("label[for='" + target.id + "']");
    var group = target.closest("fieldset");
    var legend = group && group.querySelector("legend");
    var shown = (target.type === "radio" || target.type === "checkbox") && legend ? legend : label;
    (shown || target).scrollIntoView();
    target.focus({ preventScroll: true });
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    // Scrolling to a #fragment in the address drops the focus once the page has loaded.
    window.addEventListener("load", function () {
      if (document.activeElement === document.body) {
        summary.focus();
      }
    });
    summary.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        event.preventDefault();
        focusField(target);
      }
    });
  }

  // Long texts (data-clamp="lines") are clamped to a few lines, with a button to show them
  // whole; a text that fits is left alone. Without the script nothing is hidden.
  document.querySelectorAll("[data-clamp]").forEach(function (box, index) {
    box.classList.add("is-clamped");
    if (box.scrollHeight <= box.clientHeight + 1) {
      box.classList.remove("is-clamped");
      return;
    }
    box.id = box.id || "clamped-" + index;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 clamp-toggle";
    button.setAttribute("aria-controls", box.id);
    button.setAttribute("aria-expanded", "false");
    // The words come from the page (data-show-more, data-show-less), in its language.
    var more = box.getAttribute("data-show-more") || "Show more";
    var less = box.getAttribute("data-show-less") || "Show less";
    button.textContent = more;
    button.addEventListener("click", function () {
      var open = !box.classList.toggle("is-clamped");
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? less : more;
    });
    box.insertAdjacentElement("afterend", button);
  });

  // Files over the upload limit are refused before they are sent: the file inputs carry the
  // limit in data-max-bytes, and the message sits beside the field like the server's own.
  function sizeMessage(input) {
    var limit = Number(input.getAttribute("data-max-bytes"));
    var file = input.files && input.files[0];
    if (!file || !limit || file.size <= limit) {
      return "";
    }
    var mb = function (bytes) { return (bytes / 1048576).toFixed(1).replace(/\.0$/, ""); };
    // The sentence comes from the page (data-size-message, in its language), with {file},
    // {size} and {limit} to fill in.
    var sentence = input.getAttribute("data-size-message") ||
      "“{file}” is {size} MB; files can be up to {limit} MB. Choose a smaller file: the " +
      "description you typed is kept.";
    var values = { file: file.name, size: mb(file.size), limit: mb(limit) };
    return sentence.replace(/\{(file|size|limit)\}/g, function (_match, name) {
      return values[name];
    });
  }

  function showSizeError(input, message) {
    var id = input.id + "-size-error";
    var box = document.getElementById(id);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (t) {
      return t && t !== id;
    });
    if (!message) {
      if (box) {
        box.remove();
      }
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", described.join(" "));
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "invalid-feedback d-block";
      box.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", box);
    }
    box.textContent = message;
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", described.concat([id]).join(" "));
  }

  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () {
      showSizeError(input, sizeMessage(input));
    });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        var message = sizeMessage(input);
        if (message) {
          event.preventDefault();
          showSizeError(input, message);
          input.focus();
        }
      });
    }
  });
})();
