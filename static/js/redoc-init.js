// ReDoc with drf-spectacular's settings, started from a file (the Content-Security-Policy
// runs no inline script).
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  var settings = JSON.parse(document.getElementById("redoc-settings").textContent);
  window.Redoc.init(container.dataset.schemaUrl, settings, container);
})();
