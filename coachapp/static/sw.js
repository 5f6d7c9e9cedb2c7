// Coachapp service worker: shows pushed nudges and opens the page each one is about.
// Served from /sw.js so that its scope is the whole app.
//
// A push carries no confidential content (it may show on a lock screen): an id, a kind,
// a short title, the URL of the page it is about and a tag, so that a newer push on the
// same subject replaces the older one instead of stacking up.

const ICON = "/static/icons/icon-192.png";
const BADGE = "/static/icons/badge-96.png";

self.addEventListener("install", () => {
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function readPayload(event) {
  if (!event.data) {
    return {};
  }
  try {
    return event.data.json();
  } catch (_error) {
    return { title: event.data.text() };
  }
}

// Only pages of this app are opened: anything else in a payload falls back to the inbox.
function targetOf(payload) {
  const fallback = new URL("/inbox", self.location.origin);
  if (!payload || typeof payload.url !== "string") {
    return fallback.href;
  }
  const target = new URL(payload.url, self.location.origin);
  return target.origin === self.location.origin ? target.href : fallback.href;
}

async function tellPages(message) {
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const page of pages) {
    page.postMessage(message);
  }
}

async function show(payload) {
  const title = typeof payload.title === "string" && payload.title ? payload.title : "Coachapp";
  await self.registration.showNotification(title, {
    body: "Open Coachapp to see it.",
    icon: ICON,
    badge: BADGE,
    tag: payload.tag || (payload.id ? `n${payload.id}` : undefined),
    data: { url: targetOf(payload), id: payload.id || null, kind: payload.kind || null },
  });
  await tellPages({ type: "push-shown", payload });
}

self.addEventListener("push", (event) => {
  event.waitUntil(show(readPayload(event)));
});

// Focus a window already on the page, else bring an app window there, else open one.
// `via` is the inbox link that marks the notification read and redirects to `url`.
async function openTarget(url, via) {
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const exact = pages.find((page) => page.url === url);
  if (exact) {
    return exact.focus();
  }
  for (const page of pages) {
    try {
      const moved = await page.navigate(via || url);
      if (moved) {
        return moved.focus();
      }
    } catch (_error) {
      // Not controlled by this worker: it cannot be navigated from here.
    }
  }
  return self.clients.openWindow(via || url);
}

function inboxLink(id) {
  return Number.isInteger(id) ? new URL(`/inbox/${id}`, self.location.origin).href : null;
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(openTarget(data.url || targetOf({}), inboxLink(data.id)));
});

// Pages may ask the worker to open a notification's target (the same path a click takes).
self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "open-target") {
    const url = targetOf({ url: message.url });
    event.waitUntil(
      openTarget(url, inboxLink(message.id)).then(() => tellPages({ type: "opened", url })),
    );
  }
});
