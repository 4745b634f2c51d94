// Dragging a person on the closeness circle to another ring. Without this script the table's
// "Move to" forms do the same; the script only fills in the ring and sends that form.
(function () {
  var svg = document.querySelector('svg.closeness-circle[data-draggable="true"]');
  if (!svg || !svg.createSVGPoint) return;
  var centre = parseFloat(svg.getAttribute('data-centre'));
  var outer = parseFloat(svg.getAttribute('data-outer'));
  var dragging = null, start = null;

  function toSvg(event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  svg.querySelectorAll('g.person').forEach(function (person) {
    person.addEventListener('pointerdown', function (event) {
      dragging = person; start = toSvg(event);
      person.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    person.addEventListener('pointermove', function (event) {
      if (dragging !== person) return;
      var at = toSvg(event);
      person.setAttribute('transform', 'translate(' + (at.x - start.x) + ',' + (at.y - start.y) + ')');
    });
    person.addEventListener('pointerup', function (event) {
      if (dragging !== person) return;
      dragging = null;
      var dot = person.querySelector('circle');
      var at = toSvg(event);
      var x = parseFloat(dot.getAttribute('cx')) + (at.x - start.x), y = parseFloat(dot.getAttribute('cy')) + (at.y - start.y);
      var distance = Math.sqrt((x - centre) * (x - centre) + (y - centre) * (y - centre));
      var form = document.getElementById('closeness-' + person.getAttribute('data-entry'));
      if (distance > outer || !form) { person.removeAttribute('transform'); return; }
      var level = Math.min(Math.floor(distance / (outer / 3)) + 1, 3);
      form.querySelector('select').value = String(level);
      form.submit();
    });
  });
})();
