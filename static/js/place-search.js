/*
 * The maps' address search: villages, grids and the town's landmarks by name, from
 * grids:places. A map registers itself (window.PlaceSearch.attach(map)); picking a
 * result centres the map there. Without tiles this is how a resident finds the place.
 *
 * Markup: <div class="place-search" data-url="..." data-map="portalmap"> with an
 * <input type="search"> and a <ul> for the results; texts in data-text-* attributes.
 */
(function () {
  "use strict";

  var maps = {};
  var DELAY_MS = 250;

  function render(box, places) {
    var list = box.querySelector("ul");
    list.textContent = "";
    if (!places.length) {
      var none = document.createElement("li");
      none.className = "hint";
      none.textContent = box.dataset.textNone;
      list.appendChild(none);
      return;
    }
    places.forEach(function (place) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-link";
      button.textContent = place.name + (place.within ? " · " + place.within : "");
      button.addEventListener("click", function () {
        var map = maps[box.dataset.map];
        if (map) {
          map.setView([place.lat, place.lng], place.zoom, { animate: false });
        }
        list.textContent = "";
        box.querySelector("input").value = place.name;
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function bind(box) {
    var input = box.querySelector("input");
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var text = input.value.trim();
      if (!text) {
        box.querySelector("ul").textContent = "";
        return;
      }
      timer = window.setTimeout(function () {
        fetch(box.dataset.url + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { places: [] }; })
          .then(function (data) { render(box, data.places || []); })
          .catch(function () { render(box, []); });
      }, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // a search, not the form's submission
        var first = box.querySelector("ul button");
        if (first) {
          first.click();
        }
      }
    });
  }

  window.PlaceSearch = {
    attach: function (map) {
      maps[map.getContainer().id] = map;
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".place-search").forEach(bind);
  });
})();
