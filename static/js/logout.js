/*
 * Logging out forgets the workspace pages the service worker kept on this device (they hold
 * case titles and household names): the next person on a shared phone must not read them.
 * What waits in the outbox stays; it belongs to its user and is sent only when they are back.
 */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-logout]") || !("caches" in window) || form.dataset.cleared) {
      return;
    }
    event.preventDefault();
    var cleared = caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("grid-pages-") === 0;
      }).map(function (name) { return caches.delete(name); }));
    });
    var patience = new Promise(function (resolve) { window.setTimeout(resolve, 1000); });
    Promise.race([cleared, patience]).catch(function () {}).then(function () {
      form.dataset.cleared = "1";
      form.submit();
    });
  });
})();
