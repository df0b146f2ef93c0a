/* Drill screens: the countdown (submits the drill at zero), time spent per question,
   reordering (buttons and SortableJS), a question before submitting with unanswered
   questions, and one submission only. Every form works without this file. Loaded with `defer`. */
(function () {
  "use strict";

  var form = document.getElementById("drill-form");
  if (!form) return;
  var submitButton = form.querySelector("[data-submit-drill]");
  var dirty = false;
  var byTimer = false;

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // ---- time per question ---------------------------------------------------------------------

  // All on one page: time counts for the question that holds the focus, while the page is in
  // view. One per page: the whole time on the page (the server checks it against its own).
  var spent = {};
  var active = null;
  var since = 0;

  function stop() {
    if (active !== null) spent[active] = (spent[active] || 0) + (performance.now() - since);
    active = null;
  }

  function start(position) {
    if (position === active) return;
    stop();
    active = position;
    since = performance.now();
  }

  function questionOf(el) {
    var card = el && el.closest ? el.closest("[data-position]") : null;
    return card && form.contains(card) ? card.dataset.position : null;
  }

  if (form.dataset.drill === "single") {
    form.addEventListener("focusin", function (event) {
      var position = questionOf(event.target);
      if (position === null) stop();
      else start(position);
    });
    form.addEventListener("focusout", function (event) {
      if (!questionOf(event.relatedTarget)) stop();
    });
    // Safari does not focus a radio or checkbox that is clicked: a click says where one is too.
    document.addEventListener("click", function (event) {
      var position = questionOf(event.target);
      if (position === null) stop();
      else start(position);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) stop();
      else start(questionOf(document.activeElement));
    });
    window.addEventListener("blur", stop);
  }

  function writeTimes() {
    if (form.dataset.drill === "single") {
      var position = active;
      stop();
      each("[data-time-ms]", form, function (input) {
        var ms = spent[input.closest("[data-position]").dataset.position];
        input.value = ms ? String(Math.round(ms)) : "";
      });
      spent = {};
      if (position !== null) start(position);
    } else {
      var duration = form.querySelector("[data-duration]");
      if (duration) duration.value = String(Math.round(performance.now()));
    }
  }

  // ---- answered or not -----------------------------------------------------------------------

  function isAnswered(card) {
    var ordered = card.querySelector("[data-ordered]");
    if (ordered) return ordered.value === "1";
    return !!card.querySelector("input:checked");
  }

  function unanswered() {
    var count = parseInt(form.dataset.unanswered || "0", 10);
    each(".drill-question[data-position]", form, function (card) {
      count += (card.hasAttribute("data-answered") ? 1 : 0) - (isAnswered(card) ? 1 : 0);
    });
    return Math.max(count, 0);
  }

  form.addEventListener("change", function () {
    dirty = true;
  });

  // ---- submitting ----------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    var submitter = event.submitter;
    if (submitter && submitter === submitButton && !byTimer) {
      var left = unanswered();
      var question = left === 1 ? "1 question is not answered." : left + " questions are not answered.";
      if (left && !window.confirm(question + " Submit the drill anyway? Unanswered questions score 0.")) {
        event.preventDefault();
        return;
      }
    }
    writeTimes();
    form.dataset.submitted = "1";
    dirty = false;
    // Disabled after the form data is gathered, so the pressed button's value still counts.
    window.setTimeout(function () {
      each("button[type=submit]", form, function (button) {
        button.disabled = true;
      });
      if (submitter) submitter.setAttribute("aria-busy", "true");
    }, 0);
  });

  window.addEventListener("beforeunload", function (event) {
    if (!dirty || form.dataset.submitted) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // A page restored from the back/forward cache after submitting must be usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    delete form.dataset.submitted;
    each("button[type=submit]", form, function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  });

  // ---- ordering ------------------------------------------------------------------------------

  function setUpOrdering(list) {
    var fieldset = list.closest("fieldset");
    var status = fieldset.querySelector("[data-order-status]");
    var ordered = fieldset.querySelector("[data-ordered]");

    function items() {
      return Array.prototype.slice.call(list.children);
    }

    function say(message) {
      if (!status) return;
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = message;
      }, 50);
    }

    function markEdges() {
      var all = items();
      all.forEach(function (el, index) {
        el.querySelector("[data-move=up]").setAttribute("aria-disabled", String(index === 0));
        el.querySelector("[data-move=down]").setAttribute("aria-disabled", String(index === all.length - 1));
      });
    }

    function changed(item) {
      if (ordered) ordered.value = "1"; // a moved list is an answer; the shown order is not
      dirty = true;
      markEdges();
      var all = items();
      say("“" + item.dataset.text + "” is now at position " + (all.indexOf(item) + 1) + " of " + all.length + ".");
    }

    markEdges();
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button) return;
      event.preventDefault();
      var item = button.closest("li");
      var neighbour = button.dataset.move === "up" ? item.previousElementSibling : item.nextElementSibling;
      if (!neighbour) {
        say("“" + item.dataset.text + "” is already " + (button.dataset.move === "up" ? "first." : "last."));
        return;
      }
      // Move the neighbour, not the item: the focused button stays where it is in the DOM.
      if (button.dataset.move === "up") list.insertBefore(neighbour, item.nextElementSibling);
      else list.insertBefore(neighbour, item);
      button.focus();
      item.classList.remove("is-moved");
      void item.offsetWidth; // restart the animation
      item.classList.add("is-moved");
      changed(item);
    });

    if (window.Sortable) {
      window.Sortable.create(list, {
        animation: 150,
        filter: "button",
        preventOnFilter: false,
        delay: 150,
        delayOnTouchOnly: true,
        forceFallback: true, // as on the study page: touch screens need Sortable's own drag
        fallbackTolerance: 3,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        onEnd: function (event) {
          if (event.oldIndex !== event.newIndex) changed(event.item);
          else markEdges();
        },
      });
    }
  }

  each("[data-drill-order]", form, setUpOrdering);

  // ---- the countdown -------------------------------------------------------------------------

  var timer = document.querySelector("[data-remaining-s]");
  if (timer) {
    var text = timer.querySelector("[data-timer-text]");
    var announce = timer.querySelector("[data-timer-announce]");
    // Counted from the server's figure: a device clock that is wrong does not matter.
    var end = performance.now() + parseInt(timer.dataset.remainingS, 10) * 1000;
    var said = {};
    var done = false;

    function two(n) {
      return (n < 10 ? "0" : "") + n;
    }

    function tell(seconds, message) {
      if (said[seconds] || !announce) return;
      said[seconds] = true;
      announce.textContent = message;
    }

    function finish() {
      done = true;
      text.textContent = "0:00";
      tell(0, "Time is up: the drill is being submitted.");
      if (form.dataset.submitted) return;
      byTimer = true;
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "timer";
      flag.value = "1";
      form.appendChild(flag);
      if (form.requestSubmit && submitButton) {
        form.requestSubmit(submitButton);
      } else {
        writeTimes();
        if (submitButton) form.action = submitButton.formAction;
        form.dataset.submitted = "1";
        form.submit();
      }
    }

    function tick() {
      if (done) return;
      var left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
      var hours = Math.floor(left / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var seconds = left % 60;
      text.textContent = (hours ? hours + ":" + two(minutes) : String(minutes)) + ":" + two(seconds);
      timer.classList.toggle("is-low", left <= 60);
      if (left <= 300 && left > 295) tell(300, "5 minutes left.");
      if (left <= 60 && left > 55) tell(60, "1 minute left.");
      if (left === 0) finish();
    }

    timer.classList.add("is-running");
    tick();
    window.setInterval(tick, 500);
  }
})();
