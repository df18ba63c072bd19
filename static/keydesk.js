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

/**
 * Opens a dialog with the focus where it is safe: a question on its Cancel button, a form on its
 * first field to type in (both marked autofocus in the page).
 */
function openDialog(dialog) {
  dialog.showModal();
  const target = dialog.querySelector("[autofocus]") || dialog.querySelector("input:not([type=hidden]):not([type=file])");
  if (target) target.focus();
}

/** Closes the options menu around {@code element}, if any; returns its summary, to give the focus back to. */
function closeMenuAround(element) {
  const menu = element.closest("details.menu");
  if (!menu) return null;
  menu.open = false;
  return menu.querySelector("summary");
}

// ---------------------------------------------------------------- form dialogs: errors stay in the dialog

function clearFormErrors(form) {
  for (const error of form.querySelectorAll("[data-client-error]")) error.remove();
  for (const field of form.querySelectorAll("[aria-invalid=true]")) {
    field.removeAttribute("aria-invalid");
    const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.endsWith("-error"));
    if (ids.length) field.setAttribute("aria-describedby", ids.join(" "));
    else field.removeAttribute("aria-describedby");
  }
}

/** The server's message beside the field it is about, tied to it with aria-describedby. */
function showFieldError(form, fieldName, message) {
  const field = form.querySelector(`[name="${fieldName}"]`);
  if (!field) return false;
  const error = document.createElement("p");
  error.className = "error field-error";
  error.id = field.id + "-error";
  error.dataset.clientError = "";
  error.setAttribute("role", "alert");
  error.textContent = message;
  field.after(error);
  field.setAttribute("aria-invalid", "true");
  const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  field.setAttribute("aria-describedby", [error.id, ...ids].join(" "));
  field.focus();
  return true;
}

function showGeneralError(form, message) {
  const error = document.createElement("p");
  error.className = "error";
  error.dataset.clientError = "";
  error.setAttribute("role", "alert");
  error.textContent = message;
  form.prepend(error);
}

/**
 * Sends a dialog's form without leaving the page. Success goes where the server says to return;
 * a refusal keeps the dialog open with everything typed, and the server's message beside its field.
 */
async function submitFormDialog(form) {
  clearFormErrors(form);
  let response;
  try {
    response = await fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin", headers: { "X-Keydesk-Dialog": "1" },
    });
  } catch (error) {
    showGeneralError(form, "Keydesk did not answer. Nothing was saved; try again.");
    return;
  }
  if (response.ok && (response.headers.get("Content-Type") || "").startsWith("application/json")) {
    window.location.assign((await response.json()).location);
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  let shown = false;
  for (const error of page.querySelectorAll("[data-error-for]")) {
    shown = showFieldError(form, error.dataset.errorFor, error.textContent.trim()) || shown;
  }
  if (!shown) {
    const general = page.querySelector("main .error[role=alert]") || page.querySelector("main p");
    showGeneralError(form, general ? general.textContent.trim() : `Nothing was saved (HTTP ${response.status}).`);
  }
}

// ---------------------------------------------------------------- account pickers

/** One account as a labelled checkbox of a picker's list. */
function pickerItem(fieldName, account, checked) {
  const item = document.createElement("li");
  const label = document.createElement("label");
  label.className = "check";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.name = fieldName;
  box.value = String(account.id);
  box.checked = checked;
  const text = document.createElement("span");
  text.textContent = account.full_name + " ";
  const email = document.createElement("span");
  email.className = "hint";
  email.textContent = account.email;
  text.append(email);
  label.append(box, " ", text);
  item.append(label);
  return item;
}

/** Search as you type, over the same accounts the Find button would list. */
function enhancePicker(picker) {
  const fieldName = picker.dataset.accountPicker;
  const search = picker.querySelector("[data-picker-search]");
  const find = picker.querySelector("[data-picker-find]");
  const chosen = picker.querySelector("[data-picker-chosen]");
  const results = picker.querySelector("[data-picker-results]");
  const status = picker.querySelector("[data-picker-status]");
  // With the script, Find searches in place, and Enter in the other fields submits the form itself.
  find.type = "button";
  let asked = 0;
  const run = async () => {
    const mine = ++asked;
    let accounts;
    try {
      const response = await fetch("/account-choices?q=" + encodeURIComponent(search.value.trim()),
        { credentials: "same-origin" });
      if (response.status === 429) {
        announce(status, "Too many searches in a short time. Wait a minute, then try again.");
        return;
      }
      if (!response.ok) throw new Error(response.statusText);
      accounts = await response.json();
    } catch (error) {
      announce(status, "The search did not work. Try again.");
      return;
    }
    if (mine !== asked) return; // an older answer arriving late
    const taken = new Set([...chosen.querySelectorAll("input:checked")].map((box) => box.value));
    results.replaceChildren(...accounts.filter((a) => !taken.has(String(a.id))).map((a) => pickerItem(fieldName, a, false)));
    const shown = results.children.length;
    announce(status, shown === 0 ? "No other account matches." : `${shown} matching account${shown === 1 ? "" : "s"}.`);
  };
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  find.addEventListener("click", run);
  // A ticked result joins the chosen accounts.
  results.addEventListener("change", (event) => {
    const box = event.target;
    if (box.checked) chosen.append(box.closest("li"));
  });
  picker.fillChosen = (accounts) => {
    chosen.replaceChildren(...accounts.map((a) => pickerItem(fieldName, a, true)));
    search.value = "";
    run();
  };
}

// ---------------------------------------------------------------- questions, and the Keys list's rows

// Destructive forms ask first; the server asks again if this script does not run.
// One dialog may serve many forms (a row action in a table): it submits the one that opened it.
const pendingForms = new Map();
const returnFocus = new Map();

function ask(dialog, form) {
  pendingForms.set(dialog, form);
  returnFocus.set(dialog, closeMenuAround(form) || document.activeElement);
  openDialog(dialog);
}

/** The questions' own buttons, once per page: Yes submits the form that asked, a cancel gives the focus back. */
function enhanceQuestions() {
  for (const accept of document.querySelectorAll("dialog [data-confirm-accept]")) {
    const dialog = accept.closest("dialog");
    accept.addEventListener("click", () => {
      const form = pendingForms.get(dialog);
      if (!form) return;
      pendingForms.delete(dialog);
      form.querySelector("input[name=confirmed]").value = "yes";
      dialog.close();
      form.submit();
    });
  }
  for (const dialog of document.querySelectorAll("dialog")) {
    // Cancelled (Cancel or Escape): the focus goes back to the control that asked.
    dialog.addEventListener("close", () => {
      if (!pendingForms.has(dialog)) return;
      pendingForms.delete(dialog);
      const back = returnFocus.get(dialog);
      if (back && back.isConnected) back.focus();
    });
  }
}

/**
 * Everything under {@code root} that asks before it acts or acts in place: confirmed forms, and on
 * the Keys page the bulk form, the edit and copy icons. Called for the page, and again for the
 * list the live search swaps in.
 */
function enhanceKeyRows(root) {
  for (const form of root.querySelectorAll("form[data-confirm-with]")) {
    const dialog = document.getElementById(form.dataset.confirmWith);
    if (!dialog) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (form.dataset.subject) {
        for (const slot of dialog.querySelectorAll("[data-subject]")) slot.textContent = form.dataset.subject;
      }
      ask(dialog, form);
    });
  }

  // Keys: the bulk form asks once, naming how many keys it changes.
  const bulk = root.querySelector("form[data-bulk-confirm]");
  if (bulk) {
    const dialog = document.getElementById(bulk.dataset.bulkConfirm);
    const boxes = () => [...document.querySelectorAll(`input[name=ids][form="${bulk.id}"]`)];
    const count = bulk.querySelector("[data-selected-count]");
    const selectAll = root.querySelector("[data-select-all]");
    const showCount = () => {
      const n = boxes().filter((b) => b.checked).length;
      count.textContent = n === 0 ? "With the selected keys:" : `With the ${n} selected key${n === 1 ? "" : "s"}:`;
      if (selectAll) {
        selectAll.checked = n > 0 && n === boxes().length;
        selectAll.indeterminate = n > 0 && n < boxes().length;
      }
    };
    for (const box of boxes()) box.addEventListener("change", showCount);
    if (selectAll) {
      selectAll.hidden = false;
      selectAll.addEventListener("change", () => {
        for (const box of boxes()) box.checked = selectAll.checked;
        showCount();
      });
    }
    bulk.addEventListener("submit", (event) => {
      event.preventDefault();
      const action = event.submitter;
      const n = boxes().filter((b) => b.checked).length;
      if (n === 0) {
        showNotice("Select at least one key in the list first.", true);
        return;
      }
      let chosen = bulk.querySelector("input[type=hidden][name=action]");
      if (!chosen) {
        chosen = document.createElement("input");
        chosen.type = "hidden";
        chosen.name = "action";
        bulk.append(chosen);
      }
      chosen.value = action.value;
      const label = action.textContent.trim();
      dialog.querySelector("[data-bulk-question]").textContent = `${label} ${n} key${n === 1 ? "" : "s"}?`;
      dialog.querySelector("[data-bulk-explanation]").textContent = {
        block: "They authenticate nothing until they are unblocked; their values stay the same.",
        unblock: "They work again with the values they had.",
        delete: "The bots and their keys are removed for good; this cannot be undone.",
      }[action.value];
      const accept = dialog.querySelector("[data-bulk-accept]");
      accept.textContent = label;
      ask(dialog, bulk);
    });
  }

  // Keys: the edit icon opens one shared "Modify API Key" dialog, filled from its row.
  const modifyDialog = document.getElementById("modify-key-dialog");
  for (const link of root.querySelectorAll("[data-modify-key]")) {
    if (!modifyDialog) break;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const row = link.closest("tr");
      const form = modifyDialog.querySelector("form");
      clearFormErrors(form);
      form.action = link.dataset.modifyKey;
      form.querySelector("input[name=name]").value = row.dataset.name;
      form.querySelector("input[name=webhook_url]").value = row.dataset.webhook;
      form.querySelector("input[name=expires_on]").value = row.dataset.expiresOn || "";
      const picker = form.querySelector("[data-account-picker]");
      if (picker && picker.fillChosen) picker.fillChosen(JSON.parse(row.dataset.owners || "[]"));
      const services = new Set((row.dataset.services || "").split(","));
      for (const box of form.querySelectorAll("input[name=services]")) box.checked = services.has(box.value);
      const servicesBefore = form.querySelector("input[name=services_before]");
      if (servicesBefore) servicesBefore.value = row.dataset.services || "";
      // The key's limits, so that Modify sends them back as they are unless they were changed here.
      const limits = JSON.parse(row.dataset.limits || "{}");
      const rules = limits.services || {};
      for (const radio of form.querySelectorAll("input[name=scope_mode]")) {
        radio.checked = radio.value === (limits.chosen ? "chosen" : "all");
      }
      for (const box of form.querySelectorAll("input[name=scope_service]")) box.checked = box.value in rules;
      for (const area of form.querySelectorAll("textarea[name^=scope_rules_]")) {
        area.value = rules[area.name.substring("scope_rules_".length)] || "";
      }
      form.querySelector("textarea[name=address_ranges]").value = limits.ranges || "";
      form.querySelector("textarea[name=metadata]").value = limits.metadata || "";
      form.querySelector("input[type=file]").value = "";
      openDialog(modifyDialog);
    });
  }

  // Keys: the copy icon fetches that one key when asked, so the page never holds every key.
  for (const link of root.querySelectorAll("[data-copy-url]")) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      try {
        const response = await fetch(link.dataset.copyUrl, {
          method: "POST",
          headers: { "X-CSRF-Token": document.querySelector("input[name=csrf_token]").value },
          credentials: "same-origin",
        });
        if (response.status === 429) {
          showNotice("Too many requests in a short time. Wait a minute, then copy the key again.", true);
          return;
        }
        // The proof before keys has run out: the step-up page asks for it and comes back to this list.
        const stepUp = response.status === 403 && response.headers.get("X-Keydesk-Step-Up");
        if (stepUp && stepUp.startsWith("/") && !stepUp.startsWith("//")) {
          window.location.assign(stepUp);
          return;
        }
        if (!response.ok) throw new Error(response.statusText);
        await navigator.clipboard.writeText(await response.text());
        showNotice("The API key token was copied to your clipboard.");
      } catch (error) {
        showNotice("The token could not be copied. Open the key to copy it by hand.", true);
      }
    });
  }
}

// ---------------------------------------------------------------- search as you type

/** The address a search form asks for, with only the fields that say something, so it stays short. */
function cleanQueryUrl(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (value !== "") params.append(name, value);
  const query = params.toString();
  return form.getAttribute("action") + (query ? "?" + query : "");
}

/**
 * Search as you type: after a short pause the list for what the field holds is fetched and put in
 * place of the one shown. The page never reloads, so the field keeps its focus, caret and every
 * key typed however slowly; the address follows (replaceState) so a reload or a link shows the same.
 */
function enhanceLiveSearch(search) {
  const form = search.form;
  const status = document.querySelector("[data-search-status]");
  let timer;
  let asked = 0;
  const run = async () => {
    const mine = ++asked;
    const url = cleanQueryUrl(form);
    let page;
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.statusText);
      page = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      announce(status, "The search did not work. Press Enter to try again.");
      return;
    }
    if (mine !== asked) return; // an older answer arriving late
    const fresh = page.querySelector("[data-search-results]");
    const shown = document.querySelector("[data-search-results]");
    if (!fresh || !shown) {
      window.location.assign(url); // not the list (signed out meanwhile, say): show whatever the server says
      return;
    }
    shown.replaceWith(fresh);
    enhanceKeyRows(fresh);
    // Forms outside the list (Create, the dialogs, the policy) return to this search too.
    const back = page.querySelector("input[name=back]");
    if (back) for (const field of document.querySelectorAll("input[name=back]")) field.value = back.value;
    history.replaceState(history.state, "", url);
    const total = fresh.querySelector("[data-total]");
    announce(status, total
      ? (total.dataset.total === "1" ? "1 API key matches." : `${total.dataset.total} API keys match.`)
      : fresh.textContent.trim());
  };
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
}

// ---------------------------------------------------------------- the page

// ---------------------------------------------------------------- passkeys (WebAuthn)

// The server speaks base64url (RFC 4648 §5, no padding) for every binary field; the browser's
// WebAuthn calls take and give ArrayBuffers.
function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function toBase64url(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The credential as the JSON the server reads (the shape of WebAuthn's PublicKeyCredential JSON). */
function credentialJson(credential) {
  const answer = credential.response;
  const response = { clientDataJSON: toBase64url(answer.clientDataJSON) };
  if (answer.attestationObject) {
    response.attestationObject = toBase64url(answer.attestationObject);
    response.transports = typeof answer.getTransports === "function" ? answer.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(answer.authenticatorData);
    response.signature = toBase64url(answer.signature);
    if (answer.userHandle) response.userHandle = toBase64url(answer.userHandle);
  }
  return JSON.stringify({
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  });
}

/**
 * Asks Keydesk for a fresh challenge, lets the browser make (data-passkey="create") or use
 * (data-passkey="get") a passkey with it, and sends the form with the answer in its hidden field.
 */
async function runPasskey(form) {
  const status = form.querySelector("[data-passkey-status]");
  const token = form.querySelector("input[name=csrf_token]").value;
  announce(status, "Waiting for your passkey…");
  let options;
  try {
    const response = await fetch(form.dataset.passkeyOptions, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": token },
    });
    const body = await response.json();
    if (!response.ok) {
      announce(status, body.message || `Keydesk could not start the passkey request (HTTP ${response.status}).`);
      return;
    }
    options = body;
  } catch (error) {
    announce(status, "Keydesk did not answer. Try again.");
    return;
  }
  let credential;
  try {
    options.challenge = fromBase64url(options.challenge);
    if (form.dataset.passkey === "create") {
      options.user.id = fromBase64url(options.user.id);
      options.excludeCredentials = options.excludeCredentials.map((c) => ({ ...c, id: fromBase64url(c.id) }));
      credential = await navigator.credentials.create({ publicKey: options });
    } else {
      options.allowCredentials = options.allowCredentials.map((c) => ({ ...c, id: fromBase64url(c.id) }));
      credential = await navigator.credentials.get({ publicKey: options });
    }
  } catch (error) {
    announce(status, error.name === "InvalidStateError"
      ? "This authenticator already holds a passkey for your account."
      : "No passkey was used: the request was cancelled, timed out or was refused. Try again.");
    return;
  }
  if (!credential) {
    announce(status, "No passkey was used. Try again.");
    return;
  }
  form.querySelector(`input[name="${form.dataset.passkeyField || "credential"}"]`).value = credentialJson(credential);
  form.submit();
}

function enhancePasskeyForm(form) {
  const status = form.querySelector("[data-passkey-status]");
  if (!window.PublicKeyCredential || !navigator.credentials) {
    announce(status, "This browser cannot use passkeys.");
    return;
  }
  announce(status, "");
  form.querySelector("[data-passkey-button]").hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (form.reportValidity()) runPasskey(form);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-passkey]")) enhancePasskeyForm(form);
  // A notice from the server is put into its live region after load, so screen readers announce it.
  for (const region of document.querySelectorAll("[data-announce]")) {
    const message = region.textContent;
    region.textContent = "";
    setTimeout(() => { region.textContent = message; }, 100);
  }

  for (const picker of document.querySelectorAll("[data-account-picker]")) enhancePicker(picker);
  enhanceQuestions();

  // A form that would load a page with a question opens the same question in a dialog instead.
  for (const form of document.querySelectorAll("form[data-open-dialog]")) {
    const dialog = document.getElementById(form.dataset.openDialog);
    if (!dialog) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      openDialog(dialog);
    });
  }

  for (const dialog of document.querySelectorAll("dialog[data-form-dialog]")) {
    const form = dialog.querySelector("form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submitFormDialog(form);
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

  enhanceKeyRows(document);

  // Options menus are disclosures: a click elsewhere or Escape closes them.
  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      if (!menu.contains(event.target)) menu.open = false;
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      const inside = menu.contains(document.activeElement);
      menu.open = false;
      if (inside) menu.querySelector("summary").focus();
    }
  });
  // An opened menu near the bottom of the window is scrolled into sight.
  document.addEventListener("toggle", (event) => {
    const menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.matches("details.menu") || !menu.open) return;
    const items = menu.querySelector(".menu-items");
    const below = items ? items.getBoundingClientRect().bottom + 8 - window.innerHeight : 0;
    if (below > 0) window.scrollBy(0, below);
  }, true);

  // A search form sends only the fields that say something, so its address stays short.
  for (const form of document.querySelectorAll("form[data-clean-query]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      window.location.assign(cleanQueryUrl(form));
    });
  }

  const search = document.querySelector("input[data-live-search]");
  if (search) {
    // Back on a searched list, the field is ready to go on typing where it ended.
    if (search.value) {
      search.focus();
      search.setSelectionRange(search.value.length, search.value.length);
    }
    enhanceLiveSearch(search);
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
