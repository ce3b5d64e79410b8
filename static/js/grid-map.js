/*
 * The grid map: draws the grids of the user's jurisdiction from the GeoJSON endpoint.
 *
 * django-leaflet creates the map (tiles only when LEAFLET_CONFIG has TILES) and calls
 * window.gridMapInit(map). Translated words come from data-* attributes of the map's
 * element; popups are built as DOM nodes, so no grid name is ever parsed as HTML.
 */
(function () {
  "use strict";

  // Below this zoom the permanent name labels would cover each other.
  var LABEL_MIN_ZOOM = 14;

  function styleFor(feature) {
    var active = feature.properties.active;
    return {
      color: active ? "#1f5fa8" : "#7a7a7a",
      weight: 2,
      dashArray: active ? null : "6 4",
      fillColor: active ? "#4a90d9" : "#bbbbbb",
      fillOpacity: 0.2
    };
  }

  function popupFor(properties, labels) {
    var root = document.createElement("div");
    root.className = "grid-popup";
    var title = document.createElement("strong");
    title.textContent = properties.name;
    root.appendChild(title);
    var list = document.createElement("dl");
    var rows = [
      [labels.labelCode, properties.code],
      [labels.labelVillage, properties.village],
      [labels.labelKind, properties.kind_label],
      [labels.labelHouseholds, properties.households],
      [labels.labelPopulation, properties.population]
    ];
    rows.forEach(function (row) {
      var term = document.createElement("dt");
      term.textContent = row[0];
      var value = document.createElement("dd");
      value.textContent = String(row[1]);
      list.appendChild(term);
      list.appendChild(value);
    });
    root.appendChild(list);
    if (!properties.active) {
      var note = document.createElement("p");
      note.textContent = labels.labelInactive;
      root.appendChild(note);
    }
    return root;
  }

  function toggleLabels(map) {
    map.getContainer().classList.toggle("labels-hidden", map.getZoom() < LABEL_MIN_ZOOM);
  }

  function drawGrids(map, collection, labels) {
    var layer = L.geoJSON(collection, {
      style: styleFor,
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, {
          permanent: true,
          direction: "center",
          className: "grid-label"
        });
        shape.bindPopup(popupFor(feature.properties, labels));
      }
    }).addTo(map);
    if (collection.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [16, 16], animate: false });
    }
    return layer;
  }

  window.gridMapInit = function (map) {
    var container = map.getContainer();
    var labels = container.dataset;
    var status = document.getElementById(labels.status);
    if (window.VillageOutlines) {
      // Without a tile server the villages and their names are the map's streets.
      window.VillageOutlines.draw(map, "map-villages");
    }
    map.on("zoomend", function () { toggleLabels(map); });
    toggleLabels(map);
    if (window.PlaceSearch) {
      window.PlaceSearch.attach(map);
    }
    fetch(labels.geojsonUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        drawGrids(map, collection, labels);
        var count = collection.features.length;
        status.textContent = count ? labels.textCount.replace("{count}", count) : labels.textEmpty;
        container.dataset.loaded = String(count);
      })
      .catch(function (error) {
        console.error("grid map:", error);
        status.textContent = labels.textError;
        status.classList.add("map-status-error");
      });
  };
})();
