/*
 * The dashboard's charts (Chart.js, vendored) and map (Leaflet through django-leaflet).
 *
 * Chart figures come from <script type="application/json"> blocks written by json_script;
 * the map's layers are fetched from data-map-url (the same period), so the page does not
 * wait for them. Translated words come from data-* attributes; popups are DOM nodes, so no
 * case title is ever parsed as HTML. django-leaflet creates the map and calls
 * window.dashboardMapInit(map).
 */
(function () {
  "use strict";

  var BRAND = "#1f5fa8";
  var DANGER = "#b3261e";
  var MUTED = "#7a8596";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function trendChart() {
    var canvas = document.getElementById("dash-trend");
    var trend = data("dash-trend-data");
    if (!canvas || !trend || typeof Chart === "undefined") {
      return;
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: trend.map(function (day) { return day.day.slice(5); }),
        datasets: [
          { label: canvas.dataset.labelOpened, data: trend.map(function (d) { return d.opened; }),
            borderColor: BRAND, backgroundColor: BRAND, tension: 0.2, pointRadius: 2 },
          { label: canvas.dataset.labelClosed, data: trend.map(function (d) { return d.closed; }),
            borderColor: MUTED, backgroundColor: MUTED, tension: 0.2, pointRadius: 2 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  var CATEGORY_BARS = 10;

  function categoryChart() {
    var canvas = document.getElementById("dash-categories");
    var rows = data("dash-category-data");
    if (!canvas || !rows || typeof Chart === "undefined") {
      return;
    }
    // Readable bars: the busiest categories, the rest summed, one labelled row each.
    rows = rows.filter(function (row) { return row.opened || row.overdue; })
      .sort(function (a, b) { return b.opened - a.opened; });
    if (rows.length > CATEGORY_BARS) {
      var rest = rows.slice(CATEGORY_BARS - 1);
      rows = rows.slice(0, CATEGORY_BARS - 1).concat([{
        name: canvas.dataset.labelOther,
        opened: rest.reduce(function (sum, r) { return sum + r.opened; }, 0),
        overdue: rest.reduce(function (sum, r) { return sum + r.overdue; }, 0)
      }]);
    }
    canvas.parentNode.style.height = Math.max(10, rows.length * 2 + 4) + "rem";
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return row.name; }),
        datasets: [
          { label: canvas.dataset.labelOpened, data: rows.map(function (r) { return r.opened; }),
            backgroundColor: BRAND },
          { label: canvas.dataset.labelOverdue, data: rows.map(function (r) { return r.overdue; }),
            backgroundColor: DANGER }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        indexAxis: "y",
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { ticks: { autoSkip: false } }
        }
      }
    });
  }

  function casePopup(feature, labels) {
    var root = document.createElement("div");
    var title = document.createElement(labels.detailUrl ? "a" : "strong");
    title.textContent = feature.properties.code;
    if (labels.detailUrl) {
      title.href = labels.detailUrl.replace("/0/", "/" + feature.id + "/");
    }
    root.appendChild(title);
    var text = document.createElement("p");
    text.textContent = feature.properties.title + " · " + feature.properties.status +
      (feature.properties.overdue ? " · " + labels.labelOverdue : "");
    root.appendChild(text);
    return root;
  }

  function drawLayers(map, layers, labels) {
    var grids = L.geoJSON(layers.grids, {
      style: { color: BRAND, weight: 1.5, fillColor: "#4a90d9", fillOpacity: 0.08 },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, { sticky: true });
      }
    }).addTo(map);
    L.geoJSON(layers.cases, {
      pointToLayer: function (feature, latlng) {
        var overdue = feature.properties.overdue;
        return L.circleMarker(latlng, {
          radius: 4,
          weight: 1,
          color: overdue ? DANGER : BRAND,
          fillColor: overdue ? DANGER : BRAND,
          fillOpacity: 0.7
        });
      },
      onEachFeature: function (feature, marker) {
        marker.bindPopup(casePopup(feature, labels));
      }
    }).addTo(map);
    if (layers.grids.features.length) {
      map.fitBounds(grids.getBounds(), { padding: [12, 12], animate: false });
    }
  }

  window.dashboardMapInit = function (map) {
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
      .then(function (layers) {
        drawLayers(map, layers, labels);
        var count = layers.cases.features.length;
        var text = layers.truncated ? labels.textTruncated : labels.textCount;
        status.textContent = text.replace("{count}", count);
        container.dataset.loaded = String(count);
      })
      .catch(function (error) {
        console.error("dashboard map:", error);
        status.textContent = labels.textError;
        status.classList.add("map-status-error");
      });
  };

  document.addEventListener("DOMContentLoaded", function () {
    trendChart();
    categoryChart();
  });
})();
