// Booking details: the parent or guardian fields show only when the date of birth says the person
// is under 18. Without this script they stay visible, marked optional, and the server still asks
// for them for anyone under 18.
(function () {
  "use strict";
  var birth = document.getElementById("field-dateOfBirth");
  var guardian = document.getElementById("bk-guardian");
  if (!birth || !guardian) { return; }
  var legend = guardian.querySelector(".bk-guardian-legend");
  var optionalText = legend ? legend.textContent : "";
  // The name is needed for someone under 18; its "(optional)" would then say the opposite.
  var nameOptional = guardian.querySelector("label[for='field-guardianName'] .muted");

  function age(text) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    if (!match) { return null; }
    var year = +match[1], month = +match[2], day = +match[3];
    var born = new Date(year, month - 1, day);
    if (born.getFullYear() !== year || born.getMonth() !== month - 1 || born.getDate() !== day) { return null; }
    var today = new Date();
    var years = today.getFullYear() - year;
    if (today.getMonth() + 1 < month || (today.getMonth() + 1 === month && today.getDate() < day)) { years -= 1; }
    return years;
  }

  function update() {
    var years = age(birth.value);
    // An error beside a guardian field keeps them in view whatever the date says.
    var hasError = guardian.querySelector(".field-error") !== null;
    var under18 = years !== null && years < 18;
    guardian.hidden = !under18 && !hasError;
    if (nameOptional) { nameOptional.hidden = under18; }
    if (legend) {
      legend.textContent = under18 ? "Parent or guardian (needed: the person is under 18)" : optionalText;
    }
  }

  birth.addEventListener("input", update);
  birth.addEventListener("change", update);
  update();
})();
