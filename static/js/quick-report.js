/*
 * The quick case report: the phone's location marks the place (a draggable mark; a tap on
 * the map moves it), the grid under the mark is pre-selected, and the form goes through
 * the outbox, so that a report made without signal is kept and sent later, once.
 * The server decides the grid; what this page shows is a hint.
 */
(function () {
  "use strict";

  function ensureKey(form) {
    var key = form.querySelector("input[name=client_key]");
    if (!key.value) {
      key.value = window.Outbox.newKey();
    }
  }

  function bindForm(form) {
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.hasAttribute("formaction")) {
        return; // "Follow this case instead": an ordinary post to its own address
      }
      event.preventDefault();
      ensureKey(form);
      button.disabled = true;
      window.Outbox.clearErrors(form);
      window.Outbox.submitForm(form, {
        label: form.querySelector("textarea[name=description]").value.slice(0, 40)
      }).then(function (result) {
        button.disabled = false;
        if (result.outcome === "sent") {
          window.location.assign(result.data.url);
        } else if (result.outcome === "refused") {
          window.Outbox.showErrors(form, result.data.errors);
          var first = form.querySelector(".field-error");
          if (first) {
            first.scrollIntoView({ block: "center" });
          }
        } else {
          // Kept on the phone: start the next report with a fresh key.
          form.reset();
          form.querySelector("input[name=client_key]").value = window.Outbox.newKey();
          form.dispatchEvent(new CustomEvent("report:queued"));
          window.Outbox.status(window.Outbox.offlineText());
        }
      }, function (error) {
        button.disabled = false;
        console.warn("report:", error);
      });
    });
  }

  window.reportMapInit = function (map) {
    var container = map.getContainer();
    var texts = container.dataset;
    var form = document.getElementById("quick-report-form");
    var latitude = document.getElementById(texts.latitudeInput);
    var longitude = document.getElementById(texts.longitudeInput);
    var gridSelect = document.getElementById(texts.gridInput);
    var status = document.getElementById(texts.status);
    var source = document.getElementById("report-grids");
    var grids = source ? JSON.parse(source.textContent) : { features: [] };
    var marker = null;
    var icon = L.divIcon({ className: "report-mark", iconSize: [22, 22] });

    var layer = L.geoJSON(grids, {
      interactive: false,
      style: { color: "#1f5fa8", weight: 2, fillColor: "#4a90d9", fillOpacity: 0.15 }
    }).addTo(map);

    function describe(lat, lng) {
      var grid = window.GridLookup.gridAt(grids, lng, lat);
      if (grid) {
        gridSelect.value = String(grid.pk);
        return texts.textInGrid.replace("{grid}", grid.name);
      }
      return texts.textOutside;
    }

    function place(lat, lng) {
      latitude.value = lat.toFixed(6);
      longitude.value = lng.toFixed(6);
      // The "already reported nearby?" list listens for it.
      latitude.dispatchEvent(new Event("change", { bubbles: true }));
      if (marker) {
        marker.setLatLng([lat, lng]);
      } else {
        marker = L.marker([lat, lng], { draggable: true, icon: icon, keyboard: true }).addTo(map);
        marker.on("dragend", function () {
          var where = marker.getLatLng();
          place(where.lat, where.lng);
        });
      }
      status.textContent = describe(lat, lng);
      container.dataset.placed = "true";
    }

    function locate() {
      if (!navigator.geolocation) {
        status.textContent = texts.textNoLocation;
        return;
      }
      status.textContent = texts.textLocating;
      navigator.geolocation.getCurrentPosition(function (position) {
        var lat = position.coords.latitude, lng = position.coords.longitude;
        place(lat, lng);
        map.setView([lat, lng], Math.max(map.getZoom(), 16), { animate: false });
      }, function () {
        status.textContent = texts.textNoLocation;
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    }

    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); });
    document.getElementById("report-locate").addEventListener("click", locate);
    form.addEventListener("report:queued", function () {
      if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
      delete container.dataset.placed;
      locate();
    });

    if (grids.features.length) {
      map.fitBounds(layer.getBounds(), { padding: [12, 12], animate: false });
    }
    var lat = parseFloat(latitude.value), lng = parseFloat(longitude.value);
    if (!isNaN(lat) && !isNaN(lng)) {
      place(lat, lng);
    } else {
      locate();
    }
    ensureKey(form);
    bindForm(form);
    container.dataset.ready = "true";
  };
})();
