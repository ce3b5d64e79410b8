/*
 * The register's forms (households, residents, visits) go through the device outbox:
 * sent at once with a signal, kept on the phone without one and sent, once, when it
 * returns. The client key the form carries makes a resend land once; after a form is
 * kept, it gets a fresh key so that the next save is a change of its own.
 */
(function () {
  "use strict";

  function bind(form) {
    var button = form.querySelector("button[type=submit]");
    var key = form.querySelector("input[name=client_key]");
    // One key per page view: a page the service worker kept repeats the key it was
    // served with, and a second change made from it must not pass for a replay.
    key.value = window.Outbox.newKey();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!key.value) {
        key.value = window.Outbox.newKey();
      }
      button.disabled = true;
      window.Outbox.clearErrors(form);
      var title = document.querySelector("h1");
      window.Outbox.submitForm(form, { label: title ? title.textContent.trim() : "" }).then(
        function (result) {
          button.disabled = false;
          if (result.outcome === "sent") {
            window.location.assign(result.data.url);
          } else if (result.outcome === "refused") {
            window.Outbox.showErrors(form, result.data.errors);
          } else {
            key.value = window.Outbox.newKey();
            form.dataset.queued = "true";
            window.Outbox.status(form.dataset.textQueued || window.Outbox.offlineText());
          }
        },
        function (error) {
          button.disabled = false;
          console.warn("register:", error);
        }
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-register-form]").forEach(bind);
  });
})();
