/* The zoom buttons' titles in the page's language (templates/includes/leaflet_i18n.html):
   set on Leaflet's defaults before any map of the page is made. */
(function () {
  "use strict";
  function text(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }
  if (!window.L || !L.Control || !L.Control.Zoom) {
    return;
  }
  var zoomIn = text("leaflet-zoom-in-title");
  var zoomOut = text("leaflet-zoom-out-title");
  if (zoomIn) {
    L.Control.Zoom.prototype.options.zoomInTitle = zoomIn;
  }
  if (zoomOut) {
    L.Control.Zoom.prototype.options.zoomOutTitle = zoomOut;
  }
})();
