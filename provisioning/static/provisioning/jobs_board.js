// The jobs board refreshes its counts from board.json without reloading the page. Without
// JavaScript the page still shows the counts as they were when it was served.
(function () {
  "use strict";

  function text(node, value) {
    if (node && node.textContent !== String(value)) {
      node.textContent = String(value);
    }
  }

  function row(tbody, network, states) {
    var tr = tbody.querySelector('tr[data-network="' + CSS.escape(network.network) + '"]');
    if (!tr) {
      tr = document.createElement("tr");
      tr.setAttribute("data-network", network.network);
      var name = document.createElement("td");
      name.textContent = network.name;
      tr.appendChild(name);
      states.forEach(function (state) {
        var cell = document.createElement("td");
        cell.className = "num";
        cell.setAttribute("data-state", state);
        tr.appendChild(cell);
      });
      var empty = tbody.querySelector(".table-empty");
      if (empty) {
        empty.parentNode.remove();
      }
      tbody.appendChild(tr);
    }
    return tr;
  }

  function render(board, data) {
    var states = Object.keys(data.states);
    states.forEach(function (state) {
      text(board.querySelector('.stats [data-state="' + state + '"]'), data.states[state]);
    });
    text(board.querySelector('[data-ended="succeeded"]'), data.last_hour.succeeded);
    text(board.querySelector('[data-ended="failed"]'), data.last_hour.failed);
    var tbody = board.querySelector("[data-networks]");
    var seen = {};
    data.networks.forEach(function (network) {
      seen[network.network] = true;
      var tr = row(tbody, network, states);
      states.forEach(function (state) {
        text(tr.querySelector('[data-state="' + state + '"]'), network.counts[state]);
      });
    });
    tbody.querySelectorAll("tr[data-network]").forEach(function (tr) {
      if (!seen[tr.getAttribute("data-network")]) {
        tr.querySelectorAll("[data-state]").forEach(function (cell) {
          text(cell, 0);
        });
      }
    });
    var updated = board.querySelector("[data-updated]");
    if (updated) {
      updated.setAttribute("datetime", data.generated_at);
      updated.textContent = new Date(data.generated_at).toLocaleTimeString();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("jobs-board");
    if (!board || !window.fetch) {
      return;
    }
    var source = board.getAttribute("data-source");
    var interval = parseInt(board.getAttribute("data-interval"), 10) || 3000;
    function poll() {
      fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data) {
            render(board, data);
          }
        })
        .catch(function () {})
        .then(function () {
          window.setTimeout(poll, document.hidden ? interval * 5 : interval);
        });
    }
    window.setTimeout(poll, interval);
  });
})();
