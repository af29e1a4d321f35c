/* The session runner's clocks (progressive enhancement: the page works without this file).
 *
 * The server is the truth: the page carries the times it knows (ISO 8601) in data-* attributes
 * of [data-runner-clock], and the server's "now" when it rendered the page. The tablet's clock may
 * differ from the server's, so every time is shifted by (server now - tablet now at load).
 * Every second this script shows the procedure time against its budget, the heat-pack rest so far
 * and the countdown to the earliest discharge. It never decides anything: a discharge before the
 * minimum rest is refused by the server whatever this script shows.
 */
(function () {
  "use strict";

  function parse(value) {
    if (!value) {
      return null;
    }
    var ms = Date.parse(value);
    return isNaN(ms) ? null : ms;
  }

  function mmss(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  function start(panel) {
    var data = panel.dataset;
    var offset = (parse(data.serverNow) || Date.now()) - Date.now();
    var procedureStarted = parse(data.procedureStarted);
    var procedureEnded = parse(data.procedureEnded);
    var restStarted = parse(data.restStarted);
    var earliest = parse(data.earliestDischarge);
    var budgetMs = Number(data.budgetMinutes) * 60000;
    var final = data.final === "true";
    var procedure = panel.querySelector("[data-clock-procedure]");
    var over = panel.querySelector("[data-clock-over]");
    var rest = panel.querySelector("[data-clock-rest]");
    var countdown = panel.querySelector("[data-clock-countdown]");
    var discharge = document.querySelector("[data-discharge]");

    function tick() {
      var now = Date.now() + offset;
      if (procedureStarted !== null && procedure) {
        var end = procedureEnded !== null ? procedureEnded : now;
        var spent = end - procedureStarted;
        procedure.textContent = mmss(spent);
        var isOver = spent > budgetMs;
        panel.classList.toggle("clock-panel--over", isOver);
        if (over) {
          over.hidden = !isOver;
        }
      }
      if (restStarted !== null && rest && !final) {
        rest.textContent = mmss(now - restStarted);
      }
      if (earliest !== null && countdown && !final) {
        var left = earliest - now;
        var ready = left <= 0;
        countdown.textContent = ready
          ? countdown.dataset.readyText
          : countdown.dataset.waitingText.replace("{time}", mmss(left));
        panel.classList.toggle("clock-panel--ready", ready);
        if (discharge) {
          discharge.classList.toggle("discharge-button--waiting", !ready);
        }
      }
    }

    tick();
    if (!final) {
      window.setInterval(tick, 1000);
    }
  }

  function init() {
    var panels = document.querySelectorAll("[data-runner-clock]");
    for (var i = 0; i < panels.length; i += 1) {
      start(panels[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
