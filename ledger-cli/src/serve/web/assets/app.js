// The workspace's only script: a date picked in the calendar shows the page for that date.
// Everything works without it (each form has its button).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.autosubmit").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.value && input.form) {
        input.form.submit();
      }
    });
  });
});
