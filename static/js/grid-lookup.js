/*
 * Which grid outline holds a point, in the browser: a hint for the report forms while the
 * reporter places the mark (the server decides the grid with PostGIS). Outlines are the
 * GeoJSON FeatureCollection a page embeds with json_script; holes are respected.
 */
(function () {
  "use strict";

  function insideRing(lng, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  /* The properties of the first feature that holds (lng, lat), or null. */
  function gridAt(collection, lng, lat) {
    for (var f = 0; f < collection.features.length; f++) {
      var geometry = collection.features[f].geometry;
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
      for (var p = 0; p < polygons.length; p++) {
        var rings = polygons[p];
        var inHole = rings.slice(1).some(function (hole) { return insideRing(lng, lat, hole); });
        if (insideRing(lng, lat, rings[0]) && !inHole) {
          return collection.features[f].properties;
        }
      }
    }
    return null;
  }

  window.GridLookup = { gridAt: gridAt };
})();
