// Page-wide behaviour: every htmx request carries the page's CSRF token.
// Set once on the document, so fragments swapped in later send it too.
import { LINKS } from "./links.js";
import { t } from "./messages.js";

const csrfMeta = document.querySelector('meta[name="csrf-token"]');

document.addEventListener("htmx:config:request", (event) => {
  if (csrfMeta) {
    event.detail.ctx.request.headers["X-CSRFToken"] = csrfMeta.content;
  }
});

// A tap sends once. While a form is being sent its submit buttons are locked (aria-disabled, the
// form aria-busy) and a second submit of it is dropped, so a double tap makes one request; the
// server makes a repeat that still gets through harmless (client_uuid, idempotent changes).
// Released when the htmx request that locked it ends (failed too), when a script that sends
// the form itself says so ("coachapp:sent", offline.js), when the browser shows the page
// again from its back-forward cache, and after LOCK_SECONDS whatever happened. Without
// JavaScript (before it loads) forms post as they are.
const LOCK_SECONDS = 10;
const locks = new WeakMap(); // form (or lone button) -> { by: the element that sent, timer }
const SENDS_ON_CLICK = "button[hx-post], button[hx-put], button[hx-patch], button[hx-delete]";

function submitButtons(holder) {
  return holder.matches("button")
    ? [holder]
    : [...holder.querySelectorAll('button:not([type="button"]):not([type="reset"]), input[type="submit"]')];
}

function release(holder) {
  const lock = holder && locks.get(holder);
  if (!lock) {
    return;
  }
  locks.delete(holder);
  clearTimeout(lock.timer);
  holder.removeAttribute("aria-busy");
  for (const button of submitButtons(holder)) {
    if (button.hasAttribute("data-locked")) {
      button.removeAttribute("data-locked");
      button.removeAttribute("aria-disabled");
    }
  }
}

function lock(holder, by) {
  locks.set(holder, { by, timer: setTimeout(() => release(holder), LOCK_SECONDS * 1000) });
  holder.setAttribute("aria-busy", "true");
  // Marked, not disabled: a disabled button loses keyboard focus to the page, and the
  // handlers below already drop what a locked form would send again. After the browser (or
  // htmx) has read the form, so the submitter's name and value are sent.
  setTimeout(() => {
    if (!locks.has(holder)) {
      return;
    }
    for (const button of submitButtons(holder)) {
      if (!button.disabled && button.getAttribute("aria-disabled") !== "true") {
        button.setAttribute("aria-disabled", "true");
        button.setAttribute("data-locked", "");
      }
    }
  }, 0);
}

function holderOf(element) {
  return element.form || element.closest("form") || element;
}

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    // Forms that change something: posted, or sent by a script (no action of their own,
    // e.g. the note kept offline). Searches and filters (GET) are left alone.
    const changes = form instanceof HTMLFormElement && (form.method === "post" || !form.hasAttribute("action"));
    if (!changes) {
      return;
    }
    if (locks.has(form)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    lock(form, form);
  },
  true,
);

document.addEventListener(
  "click",
  (event) => {
    const button = event.target instanceof Element && event.target.closest(SENDS_ON_CLICK);
    if (!button) {
      return;
    }
    const holder = holderOf(button);
    if (locks.has(holder)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    lock(holder, button);
  },
  true,
);

document.addEventListener("htmx:finally:request", (event) => {
  const source = event.detail.ctx && event.detail.ctx.sourceElement;
  if (!(source instanceof Element)) {
    return;
  }
  const holder = holderOf(source);
  const held = locks.get(holder);
  if (held && held.by === source) {
    release(holder);
  }
});

document.addEventListener("coachapp:sent", (event) => release(event.target));

window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    for (const form of document.querySelectorAll('[aria-busy="true"]')) {
      release(form);
    }
  }
});

// A choice drawn as a button (segmented controls, chips) hides its radio or checkbox, often
// at the start of the row, so the browser scrolls that spot into view when keyboard focus
// lands on it; show the button the person sees instead (clear of the sticky bars:
// scroll-padding).
document.addEventListener("focusin", (event) => {
  const input = event.target;
  if (
    input instanceof HTMLInputElement &&
    (input.type === "radio" || input.type === "checkbox") &&
    getComputedStyle(input).opacity === "0" &&
    input.labels &&
    input.labels[0]
  ) {
    input.labels[0].scrollIntoView({ block: "nearest", inline: "nearest" });
  }
});

// Keyboard focus never rests under the bottom navigation or a sticky bar: Chromium leaves a
// control that is partly in view where it is when it takes focus, even when the part it
// shows is behind the navigation. Bring it clear (scrollIntoView keeps scroll-padding).
document.addEventListener("focusin", (event) => {
  const control = event.target;
  const nav = document.getElementById("bottom-nav");
  if (!(control instanceof HTMLElement) || !nav || control.closest("#bottom-nav")) {
    return;
  }
  const box = control.getBoundingClientRect();
  if (box.height > 0 && box.bottom > nav.getBoundingClientRect().top) {
    control.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
});

// A swap that replaces the focused control (a section re-rendered after adding or removing an
// item) would drop focus to <body>, and a keyboard or screen-reader user would start again
// from the top of the page. htmx 4 restores focus to an element with the same id and then
// to an [autofocus] one in the new content; when neither is there, focus the heading of
// what was swapped in (or the swapped element itself).
let focusedBeforeSwap = null;
document.addEventListener("htmx:before:swap", () => {
  focusedBeforeSwap = document.activeElement;
});
document.addEventListener("htmx:after:settle", (event) => {
  const lost = !document.activeElement || document.activeElement === document.body;
  const hadFocus = focusedBeforeSwap && focusedBeforeSwap !== document.body;
  focusedBeforeSwap = null;
  const swapped = event.target;
  if (!lost || !hadFocus || !(swapped instanceof HTMLElement) || !swapped.isConnected) {
    return;
  }
  if (swapped.querySelector("[autofocus]")) {
    return;
  }
  const heading = swapped.matches("h1, h2, h3") ? swapped : swapped.querySelector("h1, h2, h3");
  const landing = heading || swapped;
  if (!landing.hasAttribute("tabindex")) {
    landing.setAttribute("tabindex", "-1");
  }
  landing.focus();
});

// Autosaving forms queue their saves (hx-sync "queue last"). htmx reads a form when the
// save is triggered, so a queued save would carry the version and bases of the page before
// the previous save returned, and be refused as a conflict. Re-read the form as the
// request leaves: it sends what is on the form now, with what the last save answered.
document.addEventListener("htmx:before:request", (event) => {
  const ctx = event.detail.ctx;
  const form = ctx.sourceElement && ctx.sourceElement.closest("form[data-autosave]");
  const body = ctx.request && ctx.request.body;
  if (!form || !(body instanceof URLSearchParams)) {
    return;
  }
  const current = new URLSearchParams(new FormData(form));
  for (const key of [...body.keys()]) {
    body.delete(key);
  }
  for (const [key, value] of current) {
    body.append(key, value);
  }
});

// An error the server answers in the JSON error shape (too many changes, too large, not
// found) is shown, never swapped into the page; an HTML answer (a form with its errors) still
// swaps. An autosaving form says it beside its save status; anything else, at the top.
document.addEventListener("htmx:after:request", (event) => {
  const ctx = event.detail.ctx;
  const type = (ctx.response && ctx.response.headers.get("Content-Type")) || "";
  if (!ctx.response || ctx.response.status < 400 || !type.startsWith("application/json")) {
    return;
  }
  event.preventDefault();
  const source = ctx.sourceElement;
  if (ctx.response.status === 429 && source && source.closest("form[data-autosave]")) {
    return; // offline.js keeps the draft on the phone and says so beside its save status
  }
  let message = t("Not saved (%(status)s).", { status: ctx.response.status });
  try {
    const error = JSON.parse(ctx.text).error;
    // The English is the API's; a reader of another language gets the error's translation.
    message = (error.translation || error).message || message;
  } catch (_error) {
    // not the error shape after all: keep the status
  }
  const form = source && source.closest("form");
  // The save state only: the autosave block also holds the form's version and bases.
  const status = form && form.querySelector(".autosave .save-state");
  if (status) {
    status.textContent = message;
    return;
  }
  const main = document.querySelector("main");
  let flashes = main && main.querySelector(".flashes");
  if (main && !flashes) {
    flashes = document.createElement("div");
    flashes.className = "flashes";
    flashes.setAttribute("role", "status");
    main.prepend(flashes);
  }
  if (flashes) {
    const line = document.createElement("p");
    line.className = "flash flash-error";
    line.textContent = message;
    flashes.replaceChildren(line);
  }
});

// The service worker keeps the app working without signal and shows pushed nudges.
// A new version installs in the background and waits; the page offers "Update".
function offerUpdate(waiting) {
  if (document.querySelector("[data-update]")) {
    return;
  }
  const bar = document.createElement("div");
  bar.className = "update-bar";
  bar.dataset.update = "";
  bar.setAttribute("role", "status");
  const text = document.createElement("span");
  text.textContent = t("A new version of Coachapp is ready.");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button-small button-primary";
  button.textContent = t("Update");
  button.addEventListener("click", () => {
    updating = true;
    waiting.postMessage({ type: "skip-waiting" });
  });
  bar.append(text, button);
  document.body.append(bar);
}

let updating = false;
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updating) {
      window.location.reload();
    }
  });
  navigator.serviceWorker
    .register(LINKS.service_worker)
    .then((registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) {
        offerUpdate(registration.waiting);
      }
      registration.addEventListener("updatefound", () => {
        const installing = registration.installing;
        installing.addEventListener("statechange", () => {
          if (installing.state === "installed" && navigator.serviceWorker.controller) {
            offerUpdate(installing);
          }
        });
      });
    })
    .catch(() => {});
}

// Offer installing the app where the browser supports it (not on iOS: Share, then
// "Add to Home Screen", as the notification settings explain).
window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  const slot = document.querySelector("[data-install]");
  if (!slot) {
    return;
  }
  slot.hidden = false;
  slot.addEventListener("click", () => event.prompt(), { once: true });
});

// "Copy" buttons (data-copy: the id of the field whose value they copy), said on the button.
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  const field = button ? document.getElementById(button.dataset.copy) : null;
  if (!field) {
    return;
  }
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = t("Copied");
  } catch (_error) {
    button.textContent = t("Selected: copy it with your keyboard or menu");
  }
});
