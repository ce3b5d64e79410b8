{% load static %}/*
 * The workspace's service worker (served from /sw.js, scope "/").
 *
 * Static assets: cache first (their URLs change with their content in production).
 * Workspace pages and the grids map data: network first, the last copy when offline, so
 * that a member can open the workspace, the report form, the patrol page and the
 * household pages already opened without signal. Posts are never touched: the page's outbox keeps and resends them.
 */
"use strict";

// Static files and pages apart: logging out forgets the pages (they hold names and case
// titles) and keeps the static files.
var ASSETS_CACHE = "grid-assets-{{ version }}";
var PAGES_CACHE = "grid-pages-{{ version }}";
var SHELL = [
  "{% url 'members:workspace' %}",
  "{% url 'members:patrol' %}",
  "{% url 'incidents:quick_report' %}",
  "{% url 'grids:geojson' %}"
];
var ASSETS = {{ assets|safe }};
var LOGIN = "{% url 'login' %}";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(ASSETS_CACHE).then(function (cache) {
      // One missing asset must not keep the worker from installing.
      return Promise.all(ASSETS.map(function (url) {
        return cache.add(url).catch(function () {});
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        var ours = name.indexOf("grid-assets-") === 0 || name.indexOf("grid-pages-") === 0;
        return ours && name !== ASSETS_CACHE && name !== PAGES_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// The register's pages (households, their forms) once opened with a signal: a member
// records a visit or an edit at a door without one.
var REGISTER = "{% url 'members:households' %}";

function isShell(url) {
  return SHELL.indexOf(url.pathname) !== -1 || url.pathname.indexOf(REGISTER) === 0;
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.redirected && new URL(response.url).pathname === LOGIN) {
      // Logged out: forget every page kept for the previous account.
      caches.delete(PAGES_CACHE);
    } else if (response.ok) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.match(request, { ignoreSearch: true }).then(function (cached) {
      return cached || Response.error();
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (cached) {
    return cached || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(ASSETS_CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.indexOf("{% get_static_prefix %}") === 0) {
    event.respondWith(cacheFirst(request));
  } else if (isShell(url)) {
    event.respondWith(networkFirst(request));
  }
});
