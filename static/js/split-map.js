/*
 * A proposed split of a grid: the grid today (dashed), its two halves in two colours with
 * their codes and households, the grids around it in grey, and, without tiles, the
 * village's outline. Data from the json_script named by the map's data-data attribute.
 */
(function () {
  "use strict";

  var COLOURS = { first: "#1f5fa8", second: "#c25e00" };

  window.splitMapInit = function (map) {
    var container = map.getContainer();
    var source = document.getElementById(container.dataset.data);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (container.dataset.villages && document.getElementById(container.dataset.villages)) {
      window.VillageOutlines.draw(map, container.dataset.villages);
    }
    L.geoJSON(data.neighbours, {
      interactive: false,
      style: { color: "#888888", weight: 1, fillColor: "#bbbbbb", fillOpacity: 0.15 },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, {
          permanent: true, direction: "center", className: "split-neighbour-label"
        });
      }
    }).addTo(map);
    var halves = L.geoJSON(data.halves, {
      style: function (feature) {
        var colour = COLOURS[feature.properties.side];
        return {
          color: colour, weight: 2, fillColor: colour, fillOpacity: 0.3,
          className: "split-half split-half-" + feature.properties.side
        };
      },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        shape.bindTooltip(p.code + "<br>" + p.households, {
          permanent: true, direction: "center", className: "split-half-label"
        });
      }
    }).addTo(map);
    var grid = L.geoJSON(data.grid, {
      interactive: false,
      style: { color: "#222222", weight: 3, fill: false, dashArray: "6 4", className: "split-old" }
    }).addTo(map);
    var bounds = grid.getBounds();
    if (!bounds.isValid()) {
      bounds = halves.getBounds();
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], animate: false });
    }
    container.dataset.loaded = "1";
  };
})();
