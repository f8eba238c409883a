// Cutover console: small progressive enhancements. Every page works without this file.
// - [data-refresh]: the element reloads its HTML from that URL every data-interval ms
//   (not while the keyboard focus is inside it, and not while the tab is hidden);
// - form[data-autosubmit]: changing a select submits the form (filters);
// - select[data-percent-toggle]: shows the canary-share row only for "canary".
(function () {
  "use strict";

  function refresh(box) {
    var url = box.getAttribute("data-refresh");
    var interval = parseInt(box.getAttribute("data-interval") || "5000", 10);
    var stamp = document.querySelector("[data-refreshed]");
    function tick() {
      if (document.hidden || box.contains(document.activeElement)) {
        return;
      }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (answer) {
          if (answer.status === 401) {
            window.location.assign("/ops/login");
            return null;
          }
          return answer.ok ? answer.text() : null;
        })
        .then(function (html) {
          if (html === null || html === undefined) {
            return;
          }
          box.innerHTML = html;
          if (stamp) {
            stamp.textContent = "Updated " + new Date().toISOString().replace(/\.\d+Z$/, "Z");
          }
        })
        .catch(function () { /* next tick tries again */ });
    }
    window.setInterval(tick, interval);
  }

  function autosubmit(form) {
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () {
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      });
    });
  }

  function percentToggle(select) {
    var row = document.getElementById(select.getAttribute("data-percent-toggle"));
    if (!row) {
      return;
    }
    function update() {
      row.hidden = select.value !== "canary";
    }
    select.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh]").forEach(refresh);
    document.querySelectorAll("form[data-autosubmit]").forEach(autosubmit);
    document.querySelectorAll("select[data-percent-toggle]").forEach(percentToggle);
  });
})();
