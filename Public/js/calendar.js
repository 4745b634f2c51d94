// The staff calendar's enhancements. Everything here also works without JavaScript: the filter
// form has its Show button, and each appointment's page has the forms to move or cancel it.
//  - filters apply as soon as they change;
//  - on a phone the filters fold away into their <details>;
//  - an appointment can be dragged to another time in the same clinician's calendar. Dragging uses
//    pointer events (not the HTML drag-and-drop API) so mouse, pen and touch behave alike and
//    browser automation can drive it. The drop posts to the appointment's move form, asking for a
//    JSON answer; a clash shows the free times the server suggests.
(function () {
  "use strict";

  var filters = document.querySelector(".cal-filters");
  if (filters) {
    var form = filters.querySelector("form");
    form.addEventListener("change", function (event) {
      // A date typed digit by digit is "valid" at year 0002 already; wait for a plausible year.
      if (event.target.type === "date" && !/^(19|20)\d\d-/.test(event.target.value)) { return; }
      form.submit();
    });
    var phone = window.matchMedia("(max-width: 40rem)");
    var fold = function () { filters.open = !phone.matches; };
    fold();
    if (phone.addEventListener) { phone.addEventListener("change", fold); }
  }

  var alertBox = document.getElementById("cal-alert");
  var grid = document.querySelector(".cal-grid");
  if (!grid || !alertBox) { return; }
  var csrf = grid.getAttribute("data-csrf") || "";
  var ROW = 5, SNAP = 15;

  function say(message, ok) {
    alertBox.textContent = "";
    alertBox.classList.toggle("cal-ok", !!ok);
    var p = document.createElement("p");
    p.textContent = message;
    alertBox.appendChild(p);
    return alertBox;
  }

  var flash = null;
  try { flash = sessionStorage.getItem("cal-flash"); sessionStorage.removeItem("cal-flash"); } catch (e) { flash = null; }
  if (flash) { say(flash, true); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function clock(minute) { return pad(Math.floor(minute / 60)) + ":" + pad(minute % 60); }

  function move(url, date, time, link) {
    say("Moving to " + date + " " + time + "…", true);
    var body = new URLSearchParams();
    body.set("date", date);
    body.set("time", time);
    body.set("_csrf", csrf);
    fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (response) {
      var isJSON = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      return (isJSON ? response.json() : Promise.resolve(null)).then(function (answer) {
        if (response.ok) {
          try { sessionStorage.setItem("cal-flash", answer ? answer.message : "Moved."); } catch (e) { /* the page still reloads */ }
          window.location.reload();
          return;
        }
        showRefusal(url, answer, link);
      });
    }).catch(function () {
      say("The move could not be sent. Check the connection, or open the appointment to move it with its form.");
    });
  }

  function showRefusal(url, answer, link) {
    var box = say(answer && answer.message ? answer.message : "That move was refused. Open the appointment to move it with its form.");
    var alternatives = (answer && answer.alternatives) || [];
    if (alternatives.length) {
      var intro = document.createElement("p");
      intro.textContent = "Free times nearby:";
      box.appendChild(intro);
      var list = document.createElement("ul");
      list.className = "cal-alternatives";
      alternatives.forEach(function (alt) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button secondary";
        button.textContent = "Move to " + alt.label;
        button.addEventListener("click", function () { move(url, alt.date, alt.time, link); });
        item.appendChild(button);
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    if (link) {
      var open = document.createElement("a");
      open.href = link;
      open.textContent = "Open the appointment";
      var p = document.createElement("p");
      p.appendChild(open);
      box.appendChild(p);
    }
    box.scrollIntoView({ block: "nearest" });
  }

  var drag = null;
  var suppressClick = false;

  function trackAt(x, y) {
    var hits = document.elementsFromPoint(x, y);
    for (var i = 0; i < hits.length; i++) {
      if (hits[i].classList && hits[i].classList.contains("cal-track") && hits[i].hasAttribute("data-date")) { return hits[i]; }
    }
    return null;
  }

  function place(event) {
    var track = trackAt(event.clientX, event.clientY);
    if (!track || track.getAttribute("data-clinician") !== drag.clinician) {
      drag.target = null;
      if (drag.ghost.parentNode) { drag.ghost.parentNode.removeChild(drag.ghost); }
      return;
    }
    var rows = parseInt(track.getAttribute("data-rows"), 10);
    var first = parseInt(track.getAttribute("data-first"), 10);
    var rect = track.getBoundingClientRect();
    var rowHeight = rect.height / rows;
    var top = event.clientY - drag.grab - rect.top;
    var minute = first + Math.round((top / rowHeight) * ROW / SNAP) * SNAP;
    minute = Math.max(first, Math.min(minute, first + rows * ROW - drag.duration));
    minute = Math.max(0, Math.min(minute, 24 * 60 - SNAP));
    var row = (minute - first) / ROW + 1;
    var span = Math.max(1, Math.min(Math.ceil(drag.duration / ROW), rows - row + 1));
    drag.ghost.className = "cal-ghost cal-at-" + row + " cal-span-" + span;
    drag.ghost.textContent = clock(minute);
    if (drag.ghost.parentNode !== track) { track.appendChild(drag.ghost); }
    drag.target = { date: track.getAttribute("data-date"), minute: minute };
  }

  grid.addEventListener("pointerdown", function (event) {
    var block = event.target.closest ? event.target.closest(".cal-movable") : null;
    if (!block || event.button !== 0) { return; }
    var rect = block.getBoundingClientRect();
    var start = parseInt(block.getAttribute("data-start"), 10);
    var end = parseInt(block.getAttribute("data-end"), 10);
    var track = block.parentNode;
    drag = {
      block: block, pointer: event.pointerId, x: event.clientX, y: event.clientY, grab: event.clientY - rect.top,
      duration: Math.max(SNAP, end - start), clinician: track.getAttribute("data-clinician"),
      from: { date: track.getAttribute("data-date"), minute: start }, started: false, target: null,
      ghost: document.createElement("div")
    };
    drag.ghost.setAttribute("aria-hidden", "true");
    // No text selection or native link dragging while the pointer is down on a block.
    if (event.pointerType === "mouse") { event.preventDefault(); }
  });
  grid.addEventListener("dragstart", function (event) { event.preventDefault(); });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointer) { return; }
    if (!drag.started) {
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) < 6) { return; }
      drag.started = true;
      drag.block.classList.add("cal-dragging");
      try { drag.block.setPointerCapture(event.pointerId); } catch (e) { /* capture is a nicety */ }
    }
    event.preventDefault();
    place(event);
  });

  function finish(event, cancelled) {
    if (!drag || event.pointerId !== drag.pointer) { return; }
    var done = drag;
    drag = null;
    if (!done.started) { return; }
    suppressClick = true;
    window.setTimeout(function () { suppressClick = false; }, 400);
    done.block.classList.remove("cal-dragging");
    if (done.ghost.parentNode) { done.ghost.parentNode.removeChild(done.ghost); }
    if (cancelled) { return; }
    if (!done.target) {
      say("A drag changes the time, not the clinician. To give the appointment to someone else, open it, cancel it and book again.");
      return;
    }
    if (done.target.date === done.from.date && done.target.minute === done.from.minute) { return; }
    move(done.block.getAttribute("data-move"), done.target.date, clock(done.target.minute), done.block.getAttribute("href"));
  }

  document.addEventListener("pointerup", function (event) { finish(event, false); });
  document.addEventListener("pointercancel", function (event) { finish(event, true); });
  // A drag ends over the link it started on; that click must not open the appointment.
  grid.addEventListener("click", function (event) {
    if (suppressClick) { event.preventDefault(); event.stopPropagation(); suppressClick = false; }
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drag && drag.started) {
      drag.block.classList.remove("cal-dragging");
      if (drag.ghost.parentNode) { drag.ghost.parentNode.removeChild(drag.ghost); }
      drag = null;
    }
  });
})();
