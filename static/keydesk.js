"use strict";
// Progressive enhancement only: every action below also works as a plain form without JavaScript.

function announce(region, message) {
  if (region) region.textContent = message;
}

function openDialog(dialog) {
  dialog.showModal();
  const field = dialog.querySelector("input:not([type=hidden])");
  if (field) field.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  // A form that would load a page with a question opens the same question in a dialog instead.
  for (const form of document.querySelectorAll("form[data-open-dialog]")) {
    const dialog = document.getElementById(form.dataset.openDialog);
    if (!dialog) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      openDialog(dialog);
    });
  }

  for (const control of document.querySelectorAll("[data-close-dialog]")) {
    control.addEventListener("click", (event) => {
      const dialog = control.closest("dialog");
      if (!dialog) return;
      event.preventDefault();
      dialog.close();
    });
  }

  // Destructive forms ask first; the server asks again if this script does not run.
  for (const form of document.querySelectorAll("form[data-confirm-with]")) {
    const dialog = document.getElementById(form.dataset.confirmWith);
    if (!dialog) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      dialog.showModal();
    });
    dialog.querySelector("[data-confirm-accept]").addEventListener("click", () => {
      form.querySelector("input[name=confirmed]").value = "yes";
      dialog.close();
      form.submit();
    });
  }

  for (const button of document.querySelectorAll("[data-copy-from]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copyFrom);
      const text = "value" in source ? source.value : source.textContent;
      const status = button.closest("section").querySelector(".copy-status");
      try {
        await navigator.clipboard.writeText(text);
        announce(status, "Copied to your clipboard.");
      } catch (error) {
        if (source.select) source.select();
        announce(status, "Copying was blocked by the browser: the text is selected, press Ctrl+C to copy it.");
      }
    });
  }
});
