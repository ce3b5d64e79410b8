/*
 * The map of the request form: a click marks the problem's place in the hidden
 * latitude/longitude inputs. The active grids' outlines come from a json_script element;
 * they do not take clicks, so a click anywhere marks the place. The server decides the
 * grid; the name shown here is only a hint.
 */
(function () {
  "use strict";

  var GRID_LABEL_MIN_ZOOM = 15;

  window.portalMapInit = function (map) {
    var container = map.getContainer();
    var texts = container.dataset;
    var latitude = document.getElementById(texts.latitudeInput);
    var longitude = document.getElementById(texts.longitudeInput);
    var status = document.getElementById(texts.status);
    var clear = document.getElementById("portal-map-clear");
    var source = document.getElementById("portal-grids");
    var grids = source ? JSON.parse(source.textContent) : { features: [] };
    var marker = null;

    // The villages and their names (the map's streets without a tile server), then the
    // grids with their names once zoomed in far enough to read them.
    window.VillageOutlines.draw(map, "portal-villages");
    var layer = L.geoJSON(grids, {
      interactive: false,
      style: {
        color: "#1f5fa8", weight: 2, fillColor: "#4a90d9", fillOpacity: 0.15,
        className: "grid-outline"
      },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, {
          permanent: true, direction: "center", className: "grid-label"
        });
      }
    }).addTo(map);
    function toggleGridLabels() {
      container.classList.toggle("grid-labels-hidden", map.getZoom() < GRID_LABEL_MIN_ZOOM);
    }
    map.on("zoomend", toggleGridLabels);
    toggleGridLabels();
    if (window.PlaceSearch) {
      window.PlaceSearch.attach(map);
    }

    function describe(lat, lng) {
      var found = window.GridLookup.gridAt(grids, lng, lat);
      var name = found && found.name;
      if (name) {
        return texts.textInGrid.replace("{grid}", name);
      }
      return grids.features.length ? texts.textOutside : texts.textPlaced;
    }

    function place(lat, lng) {
      latitude.value = lat.toFixed(6);
      longitude.value = lng.toFixed(6);
      if (marker) {
        marker.setLatLng([lat, lng]);
      } else {
        marker = L.circleMarker([lat, lng], { radius: 8, color: "#b3261e", fillOpacity: 0.8 })
          .addTo(map);
      }
      status.textContent = describe(lat, lng);
      container.dataset.placed = "true";
      clear.hidden = false;
      announce();
    }

    // Listeners (the "already reported nearby?" suggestions) hear of a new place.
    function announce() {
      latitude.dispatchEvent(new Event("change", { bubbles: true }));
    }

    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng);
    });
    clear.addEventListener("click", function () {
      latitude.value = "";
      longitude.value = "";
      if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
      status.textContent = "";
      delete container.dataset.placed;
      clear.hidden = true;
      announce();
    });

    if (grids.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12], animate: false });
    }
    var lat = parseFloat(latitude.value), lng = parseFloat(longitude.value);
    if (!isNaN(lat) && !isNaN(lng)) {
      place(lat, lng);
      map.setView([lat, lng], Math.max(map.getZoom(), 15), { animate: false });
    }
    container.dataset.ready = "true";
  };
})();
