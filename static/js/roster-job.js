// Progressive enhancement of a roster import's progress page: move the bar as the job goes
// and show the results when it ends. Without JavaScript the page has a "show progress" link.
(function () {
  "use strict";
  var section = document.querySelector("[data-progress-url]");
  if (!section) return;
  var url = section.getAttribute("data-progress-url");
  var bar = section.querySelector("progress");
  var text = section.querySelector("[role=status]");
  var manual = section.querySelector(".no-script-only");
  if (manual) manual.hidden = true;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (!job.running) { window.location.reload(); return; }
        bar.max = job.total || 1;
        bar.value = job.done;
        text.textContent = job.text;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { if (manual) manual.hidden = false; });
  }
  window.setTimeout(poll, 2000);
})();
