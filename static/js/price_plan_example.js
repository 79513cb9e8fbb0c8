// The price-plan editor's live worked example. As the tiers change, the form is posted to
// the server, which rates it with the same function invoices use, and the returned table
// replaces the example: no price is ever computed here. Without JavaScript the editor's
// "Recalculate" button does the same with a full page.
(function () {
  "use strict";
  var DELAY_MS = 300;

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-example-url]");
    var target = document.getElementById("worked-example");
    if (!form || !target || !window.fetch) {
      return;
    }
    var timer = null;
    var inFlight = null;

    function refresh() {
      if (inFlight) {
        inFlight.abort();
      }
      inFlight = new AbortController();
      target.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-example-url"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        signal: inFlight.signal
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("worked example: HTTP " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          target.innerHTML = html;
          target.removeAttribute("aria-busy");
          target.setAttribute("data-state", "fresh");
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            // Keep the last figures, but say they are out of date.
            var note = document.createElement("p");
            note.className = "errorlist";
            note.textContent = "The example could not be refreshed: use Recalculate.";
            target.prepend(note);
            target.removeAttribute("aria-busy");
            target.setAttribute("data-state", "stale");
          }
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  });
})();
