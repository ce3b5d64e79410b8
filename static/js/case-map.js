/*
 * The case page's small map: the case's point and its grid's boundary.
 *
 * django-leaflet creates the map (tiles only when LEAFLET_CONFIG has TILES) and calls
 * window.caseMapInit(map). The data comes from a json_script element named by the map's
 * data-data attribute, so nothing is parsed as HTML.
 */
(function () {
  "use strict";

  window.caseMapInit = function (map) {
    var container = map.getContainer();
    var source = document.getElementById(container.dataset.data);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var boundary = L.geoJSON(data.boundary, {
      style: {
        color: "#1f5fa8",
        weight: 2,
        fillColor: "#4a90d9",
        fillOpacity: 0.15,
        interactive: false
      }
    }).addTo(map);
    var point = L.circleMarker([data.point[1], data.point[0]], {
      radius: 8,
      color: "#b3261e",
      weight: 2,
      fillColor: "#e5534b",
      fillOpacity: 0.9
    }).addTo(map);
    var bounds = boundary.getBounds().extend(point.getLatLng());
    map.fitBounds(bounds, { padding: [12, 12], animate: false });
    container.dataset.loaded = "1";
  };
})();
