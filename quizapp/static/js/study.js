/* Study screens: answer timing, double-submit guard, reordering (buttons and SortableJS),
   keyboard shortcuts, and due dates shown relative to now in the reader's time zone.
   Every form works without this file; it only adds to them. Loaded with `defer`. */
(function () {
  "use strict";

  var root = document.querySelector("[data-study]");

  // ---- forms: time spent, and one submission only ------------------------------------------

  function submitButtons(form) {
    return Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type])"));
  }

  function guard(form) {
    var checkboxes = form.querySelectorAll("input[type=checkbox][name=answer]");

    function clearCheckboxError() {
      if (checkboxes.length) checkboxes[0].setCustomValidity("");
    }
    Array.prototype.forEach.call(checkboxes, function (box) {
      box.addEventListener("change", clearCheckboxError);
    });

    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      if (checkboxes.length && !form.querySelector("input[type=checkbox][name=answer]:checked")) {
        event.preventDefault();
        checkboxes[0].setCustomValidity("Select at least one option.");
        checkboxes[0].reportValidity();
        return;
      }
      var duration = form.querySelector("[data-duration]");
      if (duration) duration.value = String(Math.round(performance.now()));
      form.dataset.submitted = "1";
      var submitter = event.submitter;
      // Disabled after the form data is gathered, so the pressed button's value still counts.
      window.setTimeout(function () {
        submitButtons(form).forEach(function (button) {
          button.disabled = true;
        });
        if (submitter) submitter.setAttribute("aria-busy", "true");
      }, 0);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-study]"), guard);

  // Back/forward cache: a page restored after submitting must be usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-study]"), function (form) {
      delete form.dataset.submitted;
      submitButtons(form).forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
    });
  });

  // ---- ordering ------------------------------------------------------------------------------

  var list = document.querySelector("[data-sortable]");
  var status = document.getElementById("order-status");

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

  function announce(item) {
    var all = items();
    say("“" + item.dataset.text + "” is now at position " + (all.indexOf(item) + 1) + " of " + all.length + ".");
  }

  function markEdges() {
    var all = items();
    all.forEach(function (item, index) {
      item.querySelector("[data-move=up]").setAttribute("aria-disabled", String(index === 0));
      item.querySelector("[data-move=down]").setAttribute("aria-disabled", String(index === all.length - 1));
    });
  }

  function flash(item) {
    item.classList.remove("is-moved");
    void item.offsetWidth; // restart the animation
    item.classList.add("is-moved");
  }

  if (list) {
    markEdges();
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button) return;
      event.preventDefault();
      var item = button.closest("li");
      if (button.dataset.move === "up") {
        var previous = item.previousElementSibling;
        if (!previous) {
          say("“" + item.dataset.text + "” is already first.");
          return;
        }
        // Move the neighbour, not the item: the focused button stays where it is in the DOM.
        list.insertBefore(previous, item.nextElementSibling);
      } else {
        var next = item.nextElementSibling;
        if (!next) {
          say("“" + item.dataset.text + "” is already last.");
          return;
        }
        list.insertBefore(next, item);
      }
      button.focus();
      flash(item);
      markEdges();
      announce(item);
    });

    if (window.Sortable) {
      window.Sortable.create(list, {
        animation: 150,
        filter: "button",
        preventOnFilter: false,
        delay: 150,
        delayOnTouchOnly: true,
        // Sortable's own dragging rather than the browser's drag and drop, which touch
        // screens start only on a long press, if at all.
        forceFallback: true,
        fallbackTolerance: 3,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        onEnd: function (event) {
          markEdges();
          if (event.oldIndex !== event.newIndex) announce(event.item);
        },
      });
    }
  }

  // ---- keyboard shortcuts --------------------------------------------------------------------

  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset", "hidden", "range", "color"].indexOf(el.type) < 0;
  }

  function activatable(el) {
    // Elements whose own Enter/Space behaviour must be left alone.
    return !!el && el !== document.body && el.matches("button, a[href], summary, [role=button]");
  }

  function submit(form) {
    if (!form || form.dataset.submitted) return;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("keydown", function (event) {
    if (!root || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var el = document.activeElement;
    if (typing(el)) return;
    var kind = root.dataset.study;
    var key = event.key;

    if (/^[1-9]$/.test(key) && !event.repeat) {
      if (kind === "question") {
        var input = root.querySelector("input[data-key='" + key + "']");
        if (!input) return;
        event.preventDefault();
        input.checked = input.type === "checkbox" ? !input.checked : true;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.focus();
      } else if (kind === "feedback") {
        var rate = root.querySelector("button[data-key='" + key + "']");
        if (!rate || rate.disabled) return;
        event.preventDefault();
        rate.focus();
        rate.click();
      }
      return;
    }

    if (key === "Enter" && !event.shiftKey) {
      if (activatable(el)) return; // the focused button or link does its own thing
      if (kind === "question" || kind === "flashcard") {
        event.preventDefault();
        submit(root);
      } else if (kind === "feedback") {
        var suggested = root.querySelector("button.is-suggested");
        if (suggested && !suggested.disabled) {
          event.preventDefault();
          suggested.click();
        }
      } else if (kind === "rated") {
        var next = root.querySelector("a[role=button]");
        if (next) {
          event.preventDefault();
          next.click();
        }
      }
      return;
    }

    if (key === " " && kind === "flashcard" && !activatable(el)) {
      event.preventDefault();
      submit(root);
    }
  });

  // ---- due dates, relative and local ---------------------------------------------------------

  function relative(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    var format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
    if (seconds < 60) return "now";
    if (seconds < 3300) return format.format(Math.round(seconds / 60), "minute");
    if (seconds < 2 * 86400) {
      var tomorrow = new Date();
      tomorrow.setDate(tomorrow.getDate() + 1);
      if (seconds < 6 * 3600 || date.toDateString() === new Date().toDateString()) {
        return format.format(Math.round(seconds / 3600), "hour");
      }
      if (date.toDateString() === tomorrow.toDateString()) {
        return "tomorrow at " + date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      }
    }
    var days = seconds / 86400;
    if (days < 27) return format.format(Math.max(2, Math.round(days)), "day");
    if (days < 330) return format.format(Math.round(days / 30), "month");
    return format.format(Math.round(days / 365), "year");
  }

  Array.prototype.forEach.call(document.querySelectorAll("time[data-relative]"), function (time) {
    var value = time.getAttribute("datetime") || "";
    if (!/(Z|[+-]\d\d:?\d\d)$/i.test(value)) value += "Z"; // naive times are UTC here
    var date = new Date(value);
    if (isNaN(date.getTime())) return;
    time.title = date.toLocaleString([], { dateStyle: "full", timeStyle: "short" });
    time.textContent = relative(date);
  });
})();
