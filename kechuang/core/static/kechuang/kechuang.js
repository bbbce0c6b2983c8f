/* Page behaviour without inline script (the Content-Security-Policy allows scripts from this site's
   static files only). Templates declare what they need with data- attributes:

   data-autosubmit            on a select: submit its form on change (data-clear="NAME" empties a field first)
   data-confirm="…"           on a form (submit) or a button (click): ask first
   data-print                 on a button: print the page
   data-check-all="SELECTOR"  on a checkbox: tick/untick SELECTOR within data-scope (form | table | document)
   data-count-checked="SEL"   on a container: on change, write how many SEL are checked into .bulk-count
   data-require-checked="SEL" on a submit button: refuse (data-message) unless some SEL is checked
   data-fill-login            on a button: put data-username / data-password into the login form (demo)
   data-show-when="ID=VALUE"  on an element: shown only while the field ID has VALUE
*/
(function () {
  "use strict";

  function scopeOf(el) {
    var scope = el.getAttribute("data-scope") || "form";
    if (scope === "document") { return document; }
    return el.closest(scope) || document;
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      var clear = el.getAttribute("data-clear");
      if (clear && el.form.elements[clear]) { el.form.elements[clear].value = ""; }
      el.form.submit();
    }
    var counter = el.closest && el.closest("[data-count-checked]");
    if (counter) {
      var n = document.querySelectorAll(counter.getAttribute("data-count-checked")).length;
      var out = counter.querySelector(".bulk-count") || document.querySelector(".bulk-count");
      if (out) { out.textContent = n; }
    }
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-print], [data-check-all], [data-require-checked], [data-fill-login], button[data-confirm]") : null;
    if (!el) { return; }
    if (el.hasAttribute("data-print")) { window.print(); return; }
    if (el.hasAttribute("data-check-all")) {
      scopeOf(el).querySelectorAll(el.getAttribute("data-check-all")).forEach(function (box) {
        if (box !== el) { box.checked = el.checked; }
      });
      el.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    if (el.hasAttribute("data-require-checked")) {
      if (document.querySelectorAll(el.getAttribute("data-require-checked")).length === 0) {
        event.preventDefault();
        window.alert(el.getAttribute("data-message") || "");
      }
      return;
    }
    if (el.hasAttribute("data-fill-login")) {
      document.getElementById("id_username").value = el.getAttribute("data-username");
      document.getElementById("id_password").value = el.getAttribute("data-password");
      document.getElementById("id_password").focus();
      return;
    }
    if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  function showWhen() {
    document.querySelectorAll("[data-show-when]").forEach(function (el) {
      var parts = el.getAttribute("data-show-when").split("=");
      var field = document.getElementById(parts[0]);
      if (!field) { return; }
      var update = function () { el.style.display = field.value === parts[1] ? "" : "none"; };
      field.addEventListener("change", update);
      update();
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", showWhen); } else { showWhen(); }
})();
