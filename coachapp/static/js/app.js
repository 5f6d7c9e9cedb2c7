// Page-wide behaviour: every htmx request carries the page's CSRF token.
// Set once on the document, so fragments swapped in later send it too.
const csrfMeta = document.querySelector('meta[name="csrf-token"]');

document.addEventListener("htmx:config:request", (event) => {
  if (csrfMeta) {
    event.detail.ctx.request.headers["X-CSRFToken"] = csrfMeta.content;
  }
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

// The service worker shows pushed nudges; registering it on every page keeps it current.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}
