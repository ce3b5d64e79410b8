/*
 * The villages' outlines and names, read from a json_script element: the maps' streets
 * when no tile server is set (the public form's map and the staff grid map share it).
 */
(function () {
  "use strict";

  window.VillageOutlines = {
    draw: function (map, sourceId) {
      var source = document.getElementById(sourceId);
      var villages = source ? JSON.parse(source.textContent) : { features: [] };
      return L.geoJSON(villages, {
        interactive: false,
        style: {
          color: "#5b4a2e", weight: 3, fill: false, dashArray: "8 4", className: "village-outline"
        },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(feature.properties.name, {
            permanent: true, direction: "center", className: "village-label"
          });
        }
      }).addTo(map);
    }
  };
})();
