/*
 * The dashboard's charts (Chart.js, vendored) and map (Leaflet through django-leaflet).
 *
 * Chart figures come from <script type="application/json"> blocks written by json_script;
 * the map's grids are fetched from data-map-url, and its cases from data-cases-url by the
 * box in view (points, or clusters drawn here as numbered circles), so the page does not
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

  function caseLink(feature, labels) {
    var title = document.createElement(labels.detailUrl ? "a" : "strong");
    title.textContent = feature.properties.code;
    if (labels.detailUrl) {
      title.href = labels.detailUrl.replace("/0/", "/" + feature.id + "/");
    }
    return title;
  }

  function caseText(feature, labels) {
    return feature.properties.title + " · " + feature.properties.status +
      (feature.properties.overdue ? " · " + labels.labelOverdue : "");
  }

  function casePopup(feature, labels) {
    var root = document.createElement("div");
    root.appendChild(caseLink(feature, labels));
    var text = document.createElement("p");
    text.textContent = caseText(feature, labels);
    root.appendChild(text);
    return root;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      });
  }

  function drawGrids(map, grids) {
    var layer = L.geoJSON(grids, {
      style: { color: BRAND, weight: 1.5, fillColor: "#4a90d9", fillOpacity: 0.08 },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(feature.properties.name, { sticky: true });
      }
    }).addTo(map);
    if (grids.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12], animate: false });
    }
  }

  function clamp(value, low, high) {
    return Math.min(high, Math.max(low, value));
  }

  /*
   * The case layer follows the view: after each move (debounced) it asks the server for the
   * open cases in the box at this zoom, and gets them one by one or in clusters. A cluster
   * zooms into its box on a click; one whose cases share a spot, or at the deepest zoom,
   * lists them page by page in a popup. Answers to an older view are dropped.
   */
  function CaseLayer(map, labels, status) {
    this.map = map;
    this.labels = labels;
    this.status = status;
    this.layer = L.layerGroup().addTo(map);
    this.asked = 0;
    var maxZoom = map.getMaxZoom();
    this.deepest = isFinite(maxZoom) ? maxZoom : 19;
  }

  CaseLayer.prototype.url = function (params) {
    var url = new URL(this.labels.casesUrl, window.location.href);
    Object.keys(params).forEach(function (key) { url.searchParams.set(key, params[key]); });
    return url.toString();
  };

  CaseLayer.prototype.load = function () {
    var self = this;
    var bounds = this.map.getBounds();
    var bbox = [
      clamp(bounds.getWest(), -180, 180).toFixed(6), clamp(bounds.getSouth(), -90, 90).toFixed(6),
      clamp(bounds.getEast(), -180, 180).toFixed(6), clamp(bounds.getNorth(), -90, 90).toFixed(6)
    ].join(",");
    var asked = ++this.asked;
    getJson(this.url({ bbox: bbox, zoom: Math.round(this.map.getZoom()) }))
      .then(function (answer) {
        if (asked === self.asked) {
          self.draw(answer);
          self.map.getContainer().dataset.drawn = String(asked);
        }
      })
      .catch(function (error) {
        console.error("dashboard map:", error);
        self.status.textContent = self.labels.textError;
        self.status.classList.add("map-status-error");
      });
  };

  CaseLayer.prototype.draw = function (answer) {
    var self = this;
    var labels = this.labels;
    var container = this.map.getContainer();
    this.layer.clearLayers();
    this.status.classList.remove("map-status-error");
    if (answer.kind === "points") {
      L.geoJSON(answer.cases, {
        pointToLayer: function (feature, latlng) {
          var overdue = feature.properties.overdue;
          return L.circleMarker(latlng, {
            radius: 5, weight: 1, color: overdue ? DANGER : BRAND,
            fillColor: overdue ? DANGER : BRAND, fillOpacity: 0.75, className: "map-case"
          });
        },
        onEachFeature: function (feature, marker) {
          marker.bindPopup(casePopup(feature, labels));
        }
      }).addTo(this.layer);
      this.status.textContent = labels.textCount.replace("{count}", answer.total);
    } else {
      answer.clusters.features.forEach(function (feature) {
        self.layer.addLayer(self.cluster(feature));
      });
      this.status.textContent = labels.textClusters.replace("{count}", answer.total);
    }
    container.dataset.kind = answer.kind;
    container.dataset.loaded = String(answer.total);
  };

  CaseLayer.prototype.cluster = function (feature) {
    var self = this;
    var count = feature.properties.count;
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 44 : 52;
    var latlng = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
    var marker = L.marker(latlng, {
      icon: L.divIcon({ className: "map-cluster", html: String(count), iconSize: [size, size] }),
      title: this.labels.textClusterTitle.replace("{count}", count),
      keyboard: true
    });
    marker.on("click", function () { self.open(feature, latlng); });
    return marker;
  };

  CaseLayer.prototype.open = function (feature, latlng) {
    var box = feature.properties.bbox;
    var bounds = L.latLngBounds([box[1], box[0]], [box[3], box[2]]);
    var zoom = this.map.getZoom();
    var oneSpot = box[0] === box[2] && box[1] === box[3];
    if (oneSpot || zoom >= this.deepest) {
      this.list(feature, latlng);
      return;
    }
    var target = Math.min(this.deepest, Math.max(zoom + 1, this.map.getBoundsZoom(bounds)));
    this.map.setView(bounds.getCenter(), target);
  };

  CaseLayer.prototype.list = function (feature, latlng) {
    var self = this;
    var labels = this.labels;
    var root = document.createElement("div");
    root.className = "map-case-list";
    var heading = document.createElement("strong");
    heading.textContent = labels.textListTitle.replace("{count}", feature.properties.count);
    root.appendChild(heading);
    var items = document.createElement("ul");
    root.appendChild(items);
    var more = document.createElement("button");
    more.type = "button";
    more.className = "button-link";
    more.textContent = labels.textMore;
    var popup = L.popup({ maxHeight: 280, minWidth: 220 }).setLatLng(latlng).setContent(root);
    function page(offset) {
      more.disabled = true;
      getJson(self.url({ bbox: feature.properties.bbox.join(","), zoom: 0, list: 1, offset: offset }))
        .then(function (answer) {
          answer.cases.features.forEach(function (item) {
            var row = document.createElement("li");
            row.appendChild(caseLink(item, labels));
            row.appendChild(document.createTextNode(" " + caseText(item, labels)));
            items.appendChild(row);
          });
          if (answer.next_offset === null) {
            more.remove();
          } else {
            more.disabled = false;
            more.onclick = function () { page(answer.next_offset); };
            root.appendChild(more);
          }
          popup.update();
        })
        .catch(function (error) {
          console.error("dashboard map:", error);
          more.remove();
          items.appendChild(document.createTextNode(labels.textError));
        });
    }
    popup.openOn(this.map);
    page(0);
  };

  window.dashboardMapInit = function (map) {
    var container = map.getContainer();
    var labels = container.dataset;
    var status = document.getElementById(labels.status);
    var cases = new CaseLayer(map, labels, status);
    var timer = null;
    getJson(labels.mapUrl)
      .then(function (layers) {
        drawGrids(map, layers.grids);
        map.on("moveend", function () {
          window.clearTimeout(timer);
          timer = window.setTimeout(function () { cases.load(); }, 250);
        });
        cases.load();
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
