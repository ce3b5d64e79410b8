/*
 * The cockpit's heat map: the county's grids as polygons shaded by the number of cases
 * reported in the month (our own GeoJSON from data-map-url; no tiles). A grid's popup
 * links to the queue filtered to exactly those cases. Words come from data-* attributes;
 * popups are DOM nodes, so no name is parsed as HTML. django-leaflet creates the map and
 * calls window.cockpitMapInit(map).
 */
(function () {
  "use strict";

  // Five classes of a sequential palette, light to dark; grids without a case stay pale.
  var SHADES = ["#fde0c5", "#facba6", "#f59e72", "#e8684a", "#b3261e"];
  var EMPTY = "#f4f6f9";

  function shade(count, max) {
    if (!count || !max) {
      return EMPTY;
    }
    var index = Math.min(SHADES.length - 1, Math.floor((count / max) * SHADES.length));
    return SHADES[count === max ? SHADES.length - 1 : index];
  }

  function popup(feature, labels, period) {
    var root = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = feature.properties.name;
    root.appendChild(title);
    var text = document.createElement("p");
    text.textContent = feature.properties.village + " · " +
      labels.textCases.replace("{count}", feature.properties.cases);
    root.appendChild(text);
    if (feature.properties.cases) {
      var link = document.createElement("a");
      var query = new URLSearchParams({
        grid: feature.id, created_from: period.first, created_to: period.last
      });
      link.href = labels.queueUrl + "?" + query.toString();
      link.textContent = labels.textOpen;
      root.appendChild(link);
    }
    return root;
  }

  function legend(max) {
    var node = document.getElementById("ck-legend");
    if (!node) {
      return;
    }
    node.textContent = "";
    [0].concat(SHADES.map(function (_colour, i) {
      return Math.max(1, Math.ceil((max * (i + 1)) / SHADES.length));
    })).forEach(function (value, i) {
      var item = document.createElement("span");
      var swatch = document.createElement("i");
      swatch.style.background = i === 0 ? EMPTY : SHADES[i - 1];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(i === 0 ? "0" : "≤ " + value));
      node.appendChild(item);
    });
  }

  window.cockpitMapInit = function (map) {
    var container = map.getContainer();
    var labels = container.dataset;
    var status = document.getElementById(labels.status);
    fetch(labels.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (layer) {
        var grids = L.geoJSON(layer, {
          style: function (feature) {
            return {
              color: "#5b6b80", weight: 0.8, fillOpacity: 0.85,
              fillColor: shade(feature.properties.cases, layer.max)
            };
          },
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(feature.properties.name + " · " + feature.properties.cases,
              { sticky: true });
            shape.bindPopup(popup(feature, labels, layer.period));
          }
        }).addTo(map);
        if (layer.features.length) {
          map.fitBounds(grids.getBounds(), { padding: [8, 8], animate: false });
        }
        legend(layer.max);
        status.textContent = labels.textCount.replace("{count}", layer.total)
          .replace("{grids}", layer.features.length);
        container.dataset.loaded = String(layer.features.length);
      })
      .catch(function (error) {
        console.error("cockpit map:", error);
        status.textContent = labels.textError;
        status.classList.add("map-status-error");
      });
  };
})();
