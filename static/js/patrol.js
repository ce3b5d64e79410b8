/*
 * A running patrol on the phone: watchPosition adds points to the route, batches of points
 * go through the outbox with the index of their first point (a resent batch is skipped by
 * the server, never appended twice), and start, notes and stop go through it too, so that
 * a patrol walked without signal is kept and sent when the connection returns.
 *
 * The patrol's state lives in localStorage under its client key: a reload, or a patrol
 * started offline (which the server does not know yet), carries on where it was.
 */
(function () {
  "use strict";

  var STATE_KEY = "grid-patrol";
  var ZERO_KEY = "00000000-0000-0000-0000-000000000000";
  var MIN_STEP_M = 3;        // closer points are GPS jitter
  var MAX_ACCURACY_M = 100;  // vaguer fixes say nothing about the route
  var BATCH_POINTS = 5;
  var BATCH_MS = 20000;

  var section, state, watchId = null, line = null, lastQueued = 0;

  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STATE_KEY));
    } catch (error) {
      return null;
    }
  }

  function save() {
    if (state) {
      window.localStorage.setItem(STATE_KEY, JSON.stringify(state));
    } else {
      window.localStorage.removeItem(STATE_KEY);
    }
  }

  function urlFor(template) {
    return section.dataset[template].replace(ZERO_KEY, state.key);
  }

  function metres(a, b) {
    var rad = Math.PI / 180;
    var x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
    var y = (b[1] - a[1]) * rad;
    return Math.sqrt(x * x + y * y) * 6371000;
  }

  function showCount() {
    document.getElementById("patrol-points").textContent =
      section.dataset.textPoints.replace("{count}", state.total);
    section.dataset.points = String(state.total);
  }

  function queuePoints(force) {
    var pending = state.pending;
    if (!pending.length || state.sent + pending.length < 2) {
      return;
    }
    if (!force && pending.length < BATCH_POINTS && Date.now() - lastQueued < BATCH_MS) {
      return;
    }
    lastQueued = Date.now();
    var body = { first_index: state.sent, points: pending };
    state.sent += pending.length;
    state.pending = [];
    save();
    window.Outbox.enqueueJson(urlFor("pointsUrl"), body);
  }

  function onPosition(position) {
    if (position.coords.accuracy > MAX_ACCURACY_M) {
      return;
    }
    // The third value, the fix's time in Unix seconds, lets the server tell walking from
    // standing (members.authenticity).
    var point = [
      Number(position.coords.longitude.toFixed(6)),
      Number(position.coords.latitude.toFixed(6)),
      Math.round((position.timestamp || Date.now()) / 1000)
    ];
    if (state.last && metres(state.last, point) < MIN_STEP_M) {
      return;
    }
    state.last = point;
    state.pending.push(point);
    state.total += 1;
    save();
    showCount();
    if (line) {
      line.addLatLng([point[1], point[0]]);
      follow([point[1], point[0]]);
    }
    queuePoints(false);
  }

  function watch() {
    if (!navigator.geolocation) {
      document.getElementById("patrol-points").textContent = section.dataset.textNoLocation;
      return;
    }
    watchId = navigator.geolocation.watchPosition(onPosition, function () {
      document.getElementById("patrol-points").textContent = section.dataset.textNoLocation;
    }, { enableHighAccuracy: true, maximumAge: 10000, timeout: 60000 });
  }

  function showRunning() {
    document.getElementById("patrol-start").hidden = true;
    section.hidden = false;
    var stopForm = document.getElementById("patrol-stop-form");
    stopForm.action = urlFor("stopUrl");
    document.getElementById("patrol-save-notes").setAttribute("formaction", urlFor("noteUrl"));
    if (state.gridName) {
      document.getElementById("patrol-grid").textContent = state.gridName;
    }
    if (state.startedAt && !document.getElementById("patrol-started").textContent.trim()) {
      document.getElementById("patrol-started").textContent =
        new Date(state.startedAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }
    showCount();
    watch();
  }

  function bindStart() {
    var form = document.getElementById("patrol-start-form");
    if (!form) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var key = form.querySelector("input[name=client_key]");
      key.value = key.value || window.Outbox.newKey();
      var grid = form.querySelector("select[name=grid]");
      var gridName = grid.options[grid.selectedIndex].text;
      window.Outbox.submitForm(form, { label: gridName }).then(function (result) {
        if (result.outcome === "refused") {
          window.Outbox.showErrors(form, result.data.errors);
          return;
        }
        state = {
          key: key.value, gridName: gridName, startedAt: new Date().toISOString(),
          sent: 0, total: 0, pending: [], last: null, local: result.outcome === "queued"
        };
        save();
        if (result.outcome === "sent") {
          window.location.assign(result.data.url);
        } else {
          window.Outbox.status(window.Outbox.offlineText());
          showRunning();
        }
      });
    });
  }

  function bindStop() {
    var form = document.getElementById("patrol-stop-form");
    var findings = form.querySelector("textarea[name=findings]");
    var report = document.getElementById("patrol-finding-report");
    report.addEventListener("click", function () {
      var text = findings.value.trim();
      var query = [];
      if (text) {
        query.push("description=" + encodeURIComponent(text));
      }
      if (state && state.key) {
        query.push("patrol=" + encodeURIComponent(state.key));
      }
      report.href = section.dataset.reportUrl + (query.length ? "?" + query.join("&") : "");
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var submitter = event.submitter;
      var stopping = !submitter || submitter.id === "patrol-stop";
      if (stopping) {
        queuePoints(true);
      }
      var url = stopping ? urlFor("stopUrl") : urlFor("noteUrl");
      window.Outbox.submitForm(form, { url: url, label: state.gridName || "" }).then(function (result) {
        if (result.outcome === "refused") {
          window.Outbox.showErrors(form, result.data.errors);
          return;
        }
        if (!stopping) {
          window.Outbox.status(result.outcome === "queued" ? window.Outbox.offlineText() : "");
          return;
        }
        if (watchId !== null) {
          navigator.geolocation.clearWatch(watchId);
        }
        state = null;
        save();
        if (result.outcome === "sent") {
          window.location.assign(result.data.url);
        } else {
          window.Outbox.status(window.Outbox.offlineText());
          section.hidden = true;
          document.getElementById("patrol-start").hidden = false;
        }
      });
    });
  }

  /* The map follows the walker: close in on the first point, then keep the newest in view. */
  var patrolMap = null;
  var FOLLOW_ZOOM = 17;

  function follow(latlng) {
    if (!patrolMap) {
      return;
    }
    if (patrolMap.getZoom() < FOLLOW_ZOOM - 2) {
      patrolMap.setView(latlng, FOLLOW_ZOOM, { animate: false });
    } else if (!patrolMap.getBounds().pad(-0.2).contains(latlng)) {
      patrolMap.panTo(latlng, { animate: false });
    }
  }

  window.patrolMapInit = function (map) {
    patrolMap = map;
    var source = document.getElementById("patrol-route");
    var route = source ? JSON.parse(source.textContent) : null;
    var latlngs = route ? route.coordinates.map(function (c) { return [c[1], c[0]]; }) : [];
    var gridSource = document.getElementById("patrol-grids");
    var grids = gridSource ? JSON.parse(gridSource.textContent) : null;
    var outlines = L.geoJSON(grids && grids.features.length ? grids : null, {
      style: { color: "#1f5f8b", weight: 2, fillOpacity: 0.08, className: "grid-outline" },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "grid-label" });
      }
    }).addTo(map);
    line = L.polyline(latlngs, { color: "#b3261e", weight: 4 }).addTo(map);
    if (latlngs.length) {
      map.fitBounds(line.getBounds(), { padding: [16, 16], maxZoom: 17, animate: false });
    } else if (outlines.getLayers().length) {
      map.fitBounds(outlines.getBounds(), { padding: [16, 16], animate: false });
    }
    map.getContainer().dataset.grids = String(outlines.getLayers().length);
  };

  document.addEventListener("DOMContentLoaded", function () {
    section = document.getElementById("patrol-running");
    var serverKey = section.dataset.clientKey;
    var stored = parseInt(section.dataset.stored, 10) || 0;
    state = load();
    if (serverKey) {
      if (!state || state.key !== serverKey) {
        state = { key: serverKey, sent: stored, total: stored, pending: [], last: null };
      }
      state.local = false;
      state.sent = Math.max(state.sent, stored);
      state.total = Math.max(state.total, stored);
      save();
      showRunning();
    } else if (state && state.local) {
      showRunning();  // started offline: the server hears of it when the outbox is sent
    } else {
      state = null;
      save();
    }
    bindStart();
    bindStop();
    window.setInterval(function () {
      if (state) {
        queuePoints(false);
      }
    }, BATCH_MS);
  });
})();
