"use strict";
// Progressive enhancement only: every action below also works as a plain form without JavaScript.

function announce(region, message) {
  if (region) region.textContent = message;
}

/** A message at the top of the page, like the server's notices after an action. */
function showNotice(message, isError) {
  const main = document.querySelector("main");
  let notice = main.querySelector(".flash");
  if (!notice) {
    notice = document.createElement("div");
    notice.setAttribute("role", "status");
    main.prepend(notice);
  }
  notice.className = isError ? "flash flash-error" : "flash";
  notice.textContent = message;
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
      if (form.dataset.subject) {
        for (const slot of dialog.querySelectorAll("[data-subject]")) slot.textContent = form.dataset.subject;
      }
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

  // Keys: the edit icon opens one shared "Modify API Key" dialog, filled from its row.
  const modifyDialog = document.getElementById("modify-key-dialog");
  for (const link of document.querySelectorAll("[data-modify-key]")) {
    if (!modifyDialog) break;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const row = link.closest("tr");
      const form = modifyDialog.querySelector("form");
      form.action = link.dataset.modifyKey;
      form.querySelector("input[name=name]").value = row.dataset.name;
      form.querySelector("input[name=webhook_url]").value = row.dataset.webhook;
      const owners = new Set(row.dataset.owners.split(","));
      for (const box of form.querySelectorAll("input[name=accounts]")) box.checked = owners.has(box.value);
      const services = new Set((row.dataset.services || "").split(","));
      for (const box of form.querySelectorAll("input[name=services]")) box.checked = services.has(box.value);
      form.querySelector("input[type=file]").value = "";
      openDialog(modifyDialog);
    });
  }

  // Keys: the copy icon fetches that one key when asked, so the page never holds every key.
  for (const link of document.querySelectorAll("[data-copy-url]")) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      try {
        const response = await fetch(link.dataset.copyUrl, {
          method: "POST",
          headers: { "X-CSRF-Token": document.querySelector("input[name=csrf_token]").value },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(response.statusText);
        await navigator.clipboard.writeText(await response.text());
        showNotice("The API key token was copied to your clipboard.");
      } catch (error) {
        showNotice("The token could not be copied. Open the key to copy it by hand.", true);
      }
    });
  }

  // Close an open options menu when clicking elsewhere.
  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });

  // Search as you type (after a pause), keeping the caret where it was.
  const search = document.querySelector("input[data-live-search]");
  if (search) {
    if (search.value) {
      search.focus();
      search.setSelectionRange(search.value.length, search.value.length);
    }
    let timer;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search.form.submit(), 400);
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

// Notices the server put on the page are in a live region; screen readers announce a change to
// one, not what was there at load, so the text is put back in once the page has loaded.
window.addEventListener("load", () => {
  for (const notice of document.querySelectorAll("[data-announce]")) {
    const text = notice.textContent;
    notice.textContent = "";
    setTimeout(() => { notice.textContent = text; }, 100);
  }
});
