// Coachapp service worker, version {{ version }}.
// Served from /sw.js so that its scope is the whole app; its text changes with every
// static file, so a new version installs beside the old one and waits until the user
// taps "Update".
//
// - App shell (styles, scripts, icons, the offline page): precached, served cache first.
// - Pages: network first; the team list, rep pages, plans, guides and the offline note
//   form are kept as they are visited, to be shown when there is no connection, marked as
//   a saved copy with the time it was fetched.
// - "Log coaching", "Done" on a follow-up and "Acknowledge" sent without a connection are
//   kept on the phone (IndexedDB, the same outbox the pages use) and sent when it returns;
//   so are the calls captured on a ride-along day's page, which is kept as it is visited.
// - Pushes carry no confidential content (they may show on a lock screen): an id, a kind,
//   a short title, the URL of the page and a tag, so a newer push on the same subject
//   replaces the older one.

const VERSION = "{{ version }}";
const SHELL_CACHE = `shell-${VERSION}`;
const PAGES_CACHE = "pages";
const SHELL = {{ shell_urls | tojson }};
const MAX_PAGES = 60;
const SAVED_AT = "X-Coachapp-Saved-At";
const ICON = "/static/icons/icon-192.png";
const BADGE = "/static/icons/badge-96.png";

// Pages worth keeping for a visit without signal.
const KEPT_PAGES = [
  /^\/today$/,
  /^\/team$/,
  /^\/my$/,
  /^\/people\/\d+$/,
  /^\/plans\/\d+$/,
  /^\/notes$/,
  /^\/notes\/\d+$/,
  /^\/follow-ups$/,
  /^\/notes\/offline$/,
  /^\/self-assessment$/,
  /^\/ride-alongs\/\d+$/,
];

// Form posts that may wait for a connection, replayed as they were.
const QUEUEABLE_POSTS = [/^\/follow-ups\/\d+$/, /^\/notes\/\d+\/acknowledge$/];
const LOG_COACHING = /^\/people\/(\d+)\/coaching$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith("shell-") && name !== SHELL_CACHE)
          .map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

// A page is kept with the time it was fetched, which its saved copy says when shown.
async function keepPage(request, response) {
  const cache = await caches.open(PAGES_CACHE);
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  const body = await response.blob();
  await cache.put(request, new Response(body, { status: response.status, headers }));
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) {
    await cache.delete(old);
  }
}

// A saved copy says so: static/js/offline.js reads this meta, shows the copy's age and turns
// off what needs the network. A meta tag, so the strict CSP has nothing to object to.
async function savedCopy(cached) {
  const savedAt = cached.headers.get(SAVED_AT) || cached.headers.get("Date") || "";
  const text = await cached.text();
  const meta = `<meta name="saved-copy" content="${new Date(savedAt).getTime() || ""}">`;
  const headers = new Headers(cached.headers);
  headers.delete("Content-Length");
  return new Response(text.replace("<head>", `<head>\n  ${meta}`), {
    status: cached.status,
    headers,
  });
}

async function page(request, url) {
  try {
    const response = await fetch(request);
    // A filtered view (?due=1, ?period=90) is not kept: it would replace the page's own copy.
    const keep =
      response.ok &&
      !response.redirected &&
      response.type === "basic" &&
      !url.search &&
      KEPT_PAGES.some((pattern) => pattern.test(url.pathname));
    if (keep) {
      await keepPage(new Request(url.pathname), response.clone());
    }
    return response;
  } catch (_error) {
    const cached = await caches.match(new Request(url.pathname), { cacheName: PAGES_CACHE });
    if (cached) {
      return savedCopy(cached);
    }
    return (await caches.match("/offline")) || Response.error();
  }
}

async function shellFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}

// The outbox, shared with the pages (static/js/offline.js).
function openOutbox() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open("coachapp", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("outbox", { keyPath: "id" });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function enqueue(item) {
  const db = await openOutbox();
  await new Promise((resolve, reject) => {
    const tx = db.transaction("outbox", "readwrite");
    tx.objectStore("outbox").put(item);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

async function postOrKeep(request, url) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch (_error) {
    const logging = url.pathname.match(LOG_COACHING);
    if (logging) {
      // No connection for a new draft: the offline note form takes over for this rep.
      return Response.redirect(`/notes/offline?rep=${logging[1]}`, 303);
    }
    const body = await copy.text();
    // The form's client_uuid (one per form instance) names the item: the same form sent
    // twice (a double tap) is kept once. "Done" and "+1 week" of one follow-up are two.
    const fields = new URLSearchParams(body);
    const instance = fields.get("client_uuid");
    await enqueue({
      id: instance
        ? `form:${url.pathname}:${instance}:${fields.get("action") || ""}`
        : self.crypto.randomUUID(),
      kind: "form",
      url: url.pathname,
      body,
      label: url.pathname.startsWith("/follow-ups/") ? "Follow-up update" : "Acknowledgement",
      created_at: new Date().toISOString(),
      state: "pending",
    });
    const back = copy.referrer && new URL(copy.referrer).origin === self.location.origin
      ? new URL(copy.referrer).pathname
      : "/offline";
    return Response.redirect(`${back}?kept=1`, 303);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (request.method === "POST" && request.mode === "navigate") {
    if (LOG_COACHING.test(url.pathname) || QUEUEABLE_POSTS.some((p) => p.test(url.pathname))) {
      event.respondWith(postOrKeep(request, url));
    }
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (SHELL.includes(url.pathname) && url.pathname !== "/offline") {
    event.respondWith(shellFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  }
});

// Background Sync: ask an open page to send the outbox (it holds the CSRF token).
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") {
    event.waitUntil(tellPages({ type: "sync-outbox" }));
  }
});

// Push ---------------------------------------------------------------------------------

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
  for (const client of pages) {
    client.postMessage(message);
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
// `via` is the notification's inbox link, which leads to `url` without changing anything
// (a GET); the page there, once open, marks the notifications about it read.
async function openTarget(url, via) {
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const exact = pages.find((client) => client.url === url);
  if (exact) {
    return exact.focus();
  }
  for (const client of pages) {
    try {
      const moved = await client.navigate(via || url);
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

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "open-target") {
    // The same path a click on the notification takes.
    const url = targetOf({ url: message.url });
    event.waitUntil(
      openTarget(url, inboxLink(message.id)).then(() => tellPages({ type: "opened", url })),
    );
  } else if (message.type === "skip-waiting") {
    self.skipWaiting();
  }
});
