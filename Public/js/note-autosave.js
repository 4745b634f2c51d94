// Keeps the session note's draft as the clinician types: a few seconds after the last change the
// form is posted to the draft address, and the line under the buttons says when it was kept.
// Without this script the "Save draft" button does the same, so nothing depends on it.
(function () {
  var form = document.querySelector('form[data-draft-action]');
  var status = document.getElementById('note-saved');
  if (!form || !status || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var delay = 3000, timer = null, busy = false, pending = false, lastSent = null, afterSave = null;

  function body() {
    var data = new URLSearchParams(new FormData(form));
    data.delete('action');
    return data.toString();
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  function save() {
    timer = null;
    // One save at a time: the first save of a new note creates it, and the next must update it.
    if (busy) { pending = true; return; }
    var text = body();
    if (text === lastSent) return;
    busy = true;
    status.textContent = 'Saving the draft...';
    fetch(form.getAttribute('data-draft-action'), {
      method: 'POST', credentials: 'same-origin', body: text,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json' }
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      var answer = result.answer || {};
      if (!result.ok) { status.textContent = answer.error || 'Not saved. Use "Save draft".'; return; }
      lastSent = text;
      status.textContent = 'Saved at ' + answer.savedAt;
      if (answer.note && form.getAttribute('action') !== answer.note) {
        // From now on the form finishes this draft instead of starting another note.
        form.setAttribute('action', answer.note);
        form.setAttribute('data-draft-action', answer.draftAction);
        if (window.history && history.replaceState) history.replaceState(null, '', answer.note);
      }
    }).catch(function () {
      status.textContent = 'Not saved: the connection failed. Use "Save draft".';
    }).then(function () {
      busy = false;
      if (afterSave) { var go = afterSave; afterSave = null; go(); return; }
      if (pending) { pending = false; schedule(); }
    });
  }

  // Signing (or saving) while a draft save is on its way waits for it, so the button goes to the
  // note that save created rather than starting a second one.
  form.addEventListener('submit', function (event) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (!busy) return;
    event.preventDefault();
    var submitter = event.submitter;
    afterSave = function () {
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
    };
  });

  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
})();
