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
  // One dialog may serve many forms (a row action in a table): it submits the one that opened it.
  const pendingForms = new Map();
  for (const form of document.querySelectorAll("form[data-confirm-with]")) {
    const dialog = document.getElementById(form.dataset.confirmWith);
    if (!dialog) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      pendingForms.set(dialog, form);
      dialog.showModal();
    });
  }
  for (const accept of document.querySelectorAll("dialog [data-confirm-accept]")) {
    const dialog = accept.closest("dialog");
    accept.addEventListener("click", () => {
      const form = pendingForms.get(dialog);
      if (!form) return;
      form.querySelector("input[name=confirmed]").value = "yes";
      dialog.close();
      form.submit();
    });
  }

  // "Add a new bot": the outgoing-webhook fields only matter for that type.
  const typeSelect = document.querySelector("select[name=bot_type]");
  if (typeSelect) {
    const showMatching = () => {
      for (const block of document.querySelectorAll("[data-show-for-type]")) {
        block.hidden = block.dataset.showForType !== typeSelect.value;
      }
    };
    typeSelect.addEventListener("change", showMatching);
    showMatching();
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
