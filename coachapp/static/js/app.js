// Page-wide behaviour: every htmx request carries the page's CSRF token.
// Set once on the document, so fragments swapped in later send it too.
const csrfMeta = document.querySelector('meta[name="csrf-token"]');

document.addEventListener("htmx:config:request", (event) => {
  if (csrfMeta) {
    event.detail.ctx.request.headers["X-CSRFToken"] = csrfMeta.content;
  }
});
