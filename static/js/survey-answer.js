/* Conditional questions: shown only while their earlier choice is picked. Without
   JavaScript every question shows, with a hint; the server ignores hidden answers. */
(function () {
  "use strict";
  var form = document.querySelector(".survey-form");
  if (!form) return;
  var dependents = form.querySelectorAll("[data-show-if-name]");
  function update() {
    dependents.forEach(function (fieldset) {
      var name = fieldset.getAttribute("data-show-if-name");
      var value = fieldset.getAttribute("data-show-if-value");
      var source = form.querySelector('[name="' + name + '"][value="' + value + '"]');
      var sourceShown = source && !source.closest("fieldset").hidden;
      var shown = Boolean(sourceShown && source.checked);
      fieldset.hidden = !shown;
      fieldset.querySelectorAll("input, textarea, select").forEach(function (input) {
        input.disabled = !shown;
      });
    });
  }
  form.querySelectorAll(".survey-condition").forEach(function (hint) { hint.hidden = true; });
  form.addEventListener("change", update);
  update();
})();
