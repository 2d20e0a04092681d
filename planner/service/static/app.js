// The only script of the service (no inline script: the pages' CSP forbids it).
// Elements with data-poll="URL" fetch that JSON (every 150 ms for the first seconds — a
// part's re-plan takes well under a second — then every second) and fill their [data-field]
// children; when the answer says finished (or, with data-reload="ready", ready) the page
// reloads to show the result. Without JavaScript, reloading the page shows the same.
(function () {
  "use strict";
  function number(value) {
    if (value === null || value === undefined) { return "—"; }
    return Math.round(value).toLocaleString("en-US");
  }
  function fill(box, data) {
    box.querySelectorAll("[data-field]").forEach(function (el) {
      var key = el.getAttribute("data-field");
      if (!(key in data)) { return; }
      var value = data[key];
      if (key === "best" || key === "bound") { value = number(value); }
      else if (key === "elapsed") { value = Number(value).toFixed(1); }
      else if (Array.isArray(value)) { value = value.join("\n"); }
      if (value !== null && value !== "") { el.textContent = value; }
    });
  }
  function poll(box) {
    var url = box.getAttribute("data-poll");
    var reloadOn = box.getAttribute("data-reload") || "finished";
    // every 150 ms for the first 3 s (a part's re-plan takes well under a second: the page
    // comes as soon as it is done), then every second
    var quick = 20;
    function next() { return quick-- > 0 ? 150 : 1000; }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          fill(box, data);
          if (data[reloadOn] || data.finished) {
            // reload without the one-time notice of the URL (e.g. "queued")
            var params = new URLSearchParams(window.location.search);
            params.delete("notice");
            var rest = params.toString();
            window.location.replace(window.location.pathname + (rest ? "?" + rest : ""));
            return;
          }
          window.setTimeout(tick, next());
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, next());
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(function (box) {
      if (box.getAttribute("data-finished") !== "true") { poll(box); }
    });
    // The record form: the target list shows only the contacts of the chosen cadre (and
    // "other"); without JS every contact is listed and the server says which one is wrong.
    document.querySelectorAll("select[data-cadre-select]").forEach(function (target) {
      var cadre = document.getElementById(target.getAttribute("data-cadre-select"));
      if (!cadre) { return; }
      function narrow() {
        target.querySelectorAll("optgroup[data-cadre]").forEach(function (group) {
          var mine = group.getAttribute("data-cadre") === cadre.value;
          group.hidden = !mine;
          group.disabled = !mine;
        });
        var chosen = target.options[target.selectedIndex];
        if (chosen && chosen.parentNode.disabled) { target.value = ""; }
      }
      cadre.addEventListener("change", narrow);
      narrow();
    });
    // Filter selects submit their form at once (the Filter button does the same without JS).
    document.querySelectorAll("form.filters select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
