/*
 * The hotline call form from the keyboard: Enter in a one-line field moves to the next
 * field (instead of sending a half-filled form), Ctrl+Enter (or Cmd+Enter) files the call
 * from anywhere in the form. The address search keeps its own Enter (place-search.js).
 */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("hotline-call-form");
    if (!form) {
      return;
    }
    function fields() {
      return Array.prototype.filter.call(
        form.querySelectorAll("input, select, textarea, button[type=submit]"),
        function (element) {
          return element.type !== "hidden" && !element.disabled && element.offsetParent !== null;
        }
      );
    }
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") {
        return;
      }
      var target = event.target;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        form.requestSubmit();
        return;
      }
      if (target.tagName !== "INPUT" || target.type === "search" || target.type === "submit") {
        return;
      }
      event.preventDefault();
      var list = fields();
      var next = list[list.indexOf(target) + 1];
      if (next) {
        next.focus();
      }
    });
  });
})();
