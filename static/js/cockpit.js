/*
 * The cockpit's heat map: the county's grids as polygons shaded by the number of cases
 * reported in the month (our own GeoJSON from data-map-url; no tiles). A grid's popup
 * links to the queue filtered to exactly those cases. Words come from data-* attributes;
 * popups are DOM nodes, so no name is parsed as HTML. django-leaflet creates the map and
 * calls window.cockpitMapInit(map).
 */
(function () {
  "use strict";

  // At most five classes of a sequential palette, light to dark, each a range of counts
  // (1–2, 3–4 ...); grids without a case stay pale.
  var SHADES = ["#fde0c5", "#facba6", "#f59e72", "#e8684a", "#b3261e"];
  var EMPTY = "#f4f6f9";

  function classes(max) {
    var count = Math.min(SHADES.length, max);
    var bounds = [];
    for (var i = 1; i <= count; i += 1) {
      bounds.push(Math.ceil((max * i) / count));
    }
    return bounds;  // the upper bound of each class
  }

  function colour(count, bounds) {
    if (!count) {
      return EMPTY;
    }
    var index = 0;
    while (count > bounds[index]) {
      index += 1;
    }
    // Spread the classes over the palette, the last always the darkest.
    if (bounds.length < 2) {
      return SHADES[SHADES.length - 1];
    }
    return SHADES[Math.round((index * (SHADES.length - 1)) / (bounds.length - 1))];
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

  function legend(bounds) {
    var node = document.getElementById("ck-legend");
    if (!node) {
      return;
    }
    node.textContent = "";
    var entries = [[EMPTY, "0"]];
    bounds.forEach(function (upper, i) {
      var lower = i ? bounds[i - 1] + 1 : 1;
      entries.push([colour(upper, bounds), lower === upper ? String(upper) : lower + "–" + upper]);
    });
    entries.forEach(function (entry) {
      var item = document.createElement("span");
      var swatch = document.createElement("i");
      swatch.style.background = entry[0];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry[1]));
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
        var bounds = classes(layer.max);
        var grids = L.geoJSON(layer, {
          style: function (feature) {
            return {
              color: "#5b6b80", weight: 0.8, fillOpacity: 0.85,
              fillColor: colour(feature.properties.cases, bounds)
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
        legend(bounds);
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
