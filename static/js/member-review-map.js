/*
 * The review of a grid member's patrols: the member's grids and the routes of the period,
 * flagged routes in red. Data from the json_script named by the map's data-data attribute.
 * Clicking a route scrolls to its row in the table.
 */
(function () {
  "use strict";

  window.memberReviewMapInit = function (map) {
    var container = map.getContainer();
    var source = document.getElementById(container.dataset.data);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var grids = L.geoJSON(data.grids, {
      style: { color: "#1f5fa8", weight: 2, fillColor: "#4a90d9", fillOpacity: 0.12 },
      interactive: false,
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, {
          permanent: true, direction: "center", className: "review-grid-label"
        });
      }
    }).addTo(map);
    var routes = L.geoJSON(data.routes, {
      style: function (feature) {
        return feature.properties.flagged
          ? { color: "#b3261e", weight: 3, opacity: 0.9, className: "review-route-flagged" }
          : { color: "#2e7d32", weight: 2, opacity: 0.6, className: "review-route-ok" };
      },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.label);
        shape.on("click", function () {
          var row = document.getElementById("patrol-" + feature.id);
          if (row) {
            row.scrollIntoView({ block: "center" });
          }
        });
      }
    }).addTo(map);
    var bounds = grids.getBounds();
    if (routes.getLayers().length) {
      bounds = bounds.isValid() ? bounds.extend(routes.getBounds()) : routes.getBounds();
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12], animate: false });
    }
    container.dataset.loaded = "1";
  };
})();
