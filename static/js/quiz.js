// Saves each answer as the learner gives it, and counts down to the deadline.
// Without this script the quiz still works: its buttons save and submit the whole form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) return;
  var lang = document.documentElement.lang;
  var words = lang === "vi"
    ? { saving: "Đang lưu…", saved: "Đã lưu", failed: "Chưa lưu được — sẽ thử lại khi bạn trả lời tiếp hoặc bấm Lưu câu trả lời.", left: "Thời gian còn lại: ", up: "Hết giờ.", answered: " đã trả lời", open: " chưa trả lời", previous: "← Câu trước", next: "Câu sau →" }
    : { saving: "Saving…", saved: "Saved", failed: "Not saved — it will retry when you answer again or press Save answers.", left: "Time left: ", up: "Time is up.", answered: " answered", open: " not answered", previous: "← Previous", next: "Next →" };

  // One save in flight per question: a change made meanwhile is sent when it returns, so
  // answers reach the server in the order they were given and "Saved" means the latest.
  var inflight = {}, again = {};

  function save(fieldset) {
    var slot = fieldset.getAttribute("data-slot");
    var status = fieldset.querySelector(".save-state");
    status.textContent = words.saving;
    if (inflight[slot]) { again[slot] = true; return; }
    inflight[slot] = true;
    var data = new FormData();
    data.append("csrf_token", form.elements.csrf_token.value);
    data.append("attempt", form.elements.attempt.value);
    data.append("action", "save");
    data.append("slot", slot);
    fieldset.querySelectorAll("input, select").forEach(function (field) {
      if (!field.name.startsWith("answer-")) return;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
      if (field.value !== "") data.append(field.name, field.value);
    });
    var done = function (text) {
      inflight[slot] = false;
      if (again[slot]) { again[slot] = false; save(fieldset); return; }
      status.textContent = text;
    };
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok && !result.body.saved) return done(result.body.notices.join(" "));
      if (!result.ok) return done(result.body.error || words.failed);
      var link = document.querySelector('.question-nav a[data-slot="' + slot + '"]');
      var answered = data.getAll("answer-" + slot).length > 0;
      if (link) {
        link.classList.toggle("answered", answered);
        link.querySelector(".visually-hidden").textContent = answered ? words.answered : words.open;
      }
      done(words.saved);
    }).catch(function () { done(words.failed); });
  }

  var timers = {};
  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (fieldset) save(fieldset);
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") return;
    var fieldset = event.target.closest("fieldset.question");
    var slot = fieldset.getAttribute("data-slot");
    window.clearTimeout(timers[slot]);
    timers[slot] = window.setTimeout(function () { save(fieldset); }, 800);
  });

  // On a phone, one question at a time: the question list and Previous/Next move between
  // them. Without this script (or on a wider screen) every question is on the page.
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  var narrow = window.matchMedia("(max-width: 600px)");
  var current = 0;
  function show(index) {
    current = Math.max(0, Math.min(index, questions.length - 1));
    questions.forEach(function (fieldset, i) { fieldset.hidden = narrow.matches && i !== current; });
    document.querySelectorAll(".question-nav a").forEach(function (link, i) {
      if (i === current && narrow.matches) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    stepper.hidden = !narrow.matches;
    back.disabled = current === 0;
    forward.disabled = current === questions.length - 1;
  }
  var stepper = document.createElement("div");
  stepper.className = "question-stepper";
  var back = document.createElement("button");
  var forward = document.createElement("button");
  [[back, words.previous, -1], [forward, words.next, 1]].forEach(function (spec) {
    spec[0].type = "button";
    spec[0].className = "secondary";
    spec[0].textContent = spec[1];
    spec[0].addEventListener("click", function () {
      show(current + spec[2]);
      questions[current].querySelector("legend").scrollIntoView();
    });
    stepper.appendChild(spec[0]);
  });
  if (questions.length) questions[questions.length - 1].after(stepper);
  document.querySelectorAll(".question-nav a").forEach(function (link) {
    link.addEventListener("click", function () { show(Number(link.getAttribute("data-slot"))); });
  });
  narrow.addEventListener("change", function () { show(current); });
  show(0);

  var deadline = document.querySelector("[data-deadline]");
  if (deadline) {
    var ends = new Date(deadline.getAttribute("data-deadline")).getTime();
    var tick = function () {
      var seconds = Math.max(0, Math.round((ends - Date.now()) / 1000));
      deadline.textContent = seconds > 0
        ? words.left + Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0")
        : words.up;
      if (seconds > 0) window.setTimeout(tick, 1000);
    };
    deadline.setAttribute("role", "timer");
    tick();
  }
})();
