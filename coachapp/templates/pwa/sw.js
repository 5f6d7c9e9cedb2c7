// Coachapp service worker, version {{ version }}.
// Served from /sw.js so that its scope is the whole app; its text changes with every
// static file, so a new version installs beside the old one and waits until the user
// taps "Update". Every path it knows is drawn from the app's URL map (pwa/views.py).
//
// - App shell (styles, scripts, icons, the offline page): precached, served cache first;
//   fetched without cookies, so the copy holds nobody's data. Static files are named by
//   their content's hash (app.<hash>.js, cached for a year by the browser), so the shell of
//   a new version holds new names; a page saved before a deployment asks for the names it
//   was drawn with, and gets them from the network, or without one the shell's copy.
// - Pages: network first; the team list, rep pages, plans, guides and the offline note
//   form are kept as they are visited, to be shown when there is no connection, marked as
//   a saved copy with the time it was fetched.
// - Saved pages are kept per person (a phone may be shared, a session may end without the
//   phone taking part): every page the server sends says whom it was drawn for and how long
//   their session has left (coachapp/auth/person.py). When a page, or /whoami, says someone
//   else or nobody is signed in, every other person's pages are deleted; without a
//   connection, pages are shown only to the person last seen signed in, and only until
//   their session's end. Signing out deletes them all, with or without a connection; a
//   sign-out tapped offline is sent to the server before anything else once it returns.
// - "Log coaching", "Done" on a follow-up and "Acknowledge" sent without a connection are
//   kept on the phone (IndexedDB, the same outbox the pages use) for the person signed in,
//   and sent when it returns, only while that person is signed in; so are the calls
//   captured on a ride-along day's page, which is kept as it is visited.
// - Pushes carry no confidential content (they may show on a lock screen): an id, a kind,
//   a short title, the URL of the page and a tag, so a newer push on the same subject
//   replaces the older one.

const VERSION = "{{ version }}";
const SHELL_CACHE = `shell-${VERSION}`;
// One cache of saved pages per person: "pages-<person key>". "pages" alone is the cache of
// versions that kept one for everyone: deleted on activation.
const PAGES_PREFIX = "pages-";
const LEGACY_PAGES = "pages";
const SHELL = {{ shell_urls | tojson }};
// The shell's static files by their plain paths (without the hash), and the hashed name's
// pattern: (name)(hash)(extension).
const SHELL_BY_PLAIN_PATH = {{ shell_by_plain_path | tojson(indent=2) }};
const HASHED_NAME = new RegExp({{ hashed_name | tojson }});
const OFFLINE_PAGE = {{ offline_url | tojson }};
const OFFLINE_NOTE = {{ offline_note_url | tojson }};
const WHOAMI = {{ whoami_url | tojson }};
const SIGN_OUT = {{ sign_out_url | tojson }};
const SIGNED_OUT = {{ signed_out_url | tojson }};
const OFFLINE_SIGNED_OUT = `${OFFLINE_PAGE}?signed_out=1`;
const PERSON_HEADER = {{ person_header | tojson }};
const SESSION_LEFT_HEADER = {{ session_left_header | tojson }};
const NOBODY = {{ nobody | tojson }};
const KEPT_SIGN_OUT_HEADER = {{ kept_sign_out_header | tojson }};
const INBOX = {{ inbox_url | tojson }};
// The inbox link that opens one notification, ID_SLOT standing for its id.
const INBOX_ITEM = {{ inbox_item_url | tojson }};
const ID_SLOT = {{ id_slot | tojson }};
// The JSON API's paths, which the worker leaves alone.
const API_PREFIX = {{ api_prefix | tojson }};
const MAX_PAGES = 60;
const SAVED_AT = "X-Coachapp-Saved-At";
const ICON = {{ icon_url | tojson }};
const BADGE = {{ badge_url | tojson }};

// Pages worth keeping for a visit without signal.
const KEPT_PAGES = {{ kept_pages | tojson(indent=2) }}.map((source) => new RegExp(source));

// Form posts that may wait for a connection, replayed as they were, each with the name the
// outbox shows it under.
const QUEUEABLE_POSTS = {{ queueable_posts | tojson(indent=2) }}.map(({ pattern, label }) => ({
  pattern: new RegExp(pattern),
  label,
}));
// "Log coaching": its one group is the rep's id.
const LOG_COACHING = new RegExp({{ log_coaching | tojson }});

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { credentials: "omit" })))),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => (name.startsWith("shell-") && name !== SHELL_CACHE) || name === LEGACY_PAGES)
          .map((name) => caches.delete(name)),
      );
      await self.clients.claim();
      await checkPerson();
    })(),
  );
});

// Whom the saved pages belong to ----------------------------------------------------------

// { person: the key of the person last seen signed in, or null; until: when their session
// ends (ms, this phone's clock); signOut: a sign-out tapped without a connection, still to
// be sent: { body, person } }. Kept in a cache of its own, as the worker may stop any time.
const STATE_CACHE = "person";
const STATE_KEY = "/person-state";
const NO_ONE = { person: null, until: null, signOut: null };

async function readState() {
  const found = await (await caches.open(STATE_CACHE)).match(STATE_KEY);
  try {
    return found ? { ...NO_ONE, ...(await found.json()) } : { ...NO_ONE };
  } catch (_error) {
    return { ...NO_ONE };
  }
}

// Changes to the state, one at a time (several pages may load at once).
let stateQueue = Promise.resolve();

function updateState(change) {
  const run = stateQueue.then(async () => {
    const next = change(await readState());
    const cache = await caches.open(STATE_CACHE);
    await cache.put(
      STATE_KEY,
      new Response(JSON.stringify(next), { headers: { "Content-Type": "application/json" } }),
    );
    return next;
  });
  stateQueue = run.catch(() => {});
  return run;
}

function pagesOf(person) {
  return `${PAGES_PREFIX}${person}`;
}

// Deletes the saved pages of everyone but `person` (of everyone, for null).
async function forgetPages(person) {
  const keep = person ? pagesOf(person) : null;
  const names = await caches.keys();
  await Promise.all(
    names
      .filter((name) => (name === LEGACY_PAGES || name.startsWith(PAGES_PREFIX)) && name !== keep)
      .map((name) => caches.delete(name)),
  );
}

// Who an answer of the server says is signed in: a key, null for nobody, undefined when it
// does not say (a redirect, a file, an answer drawn while the database was unavailable).
function personIn(response) {
  const value = response.headers.get(PERSON_HEADER);
  if (!value) {
    return undefined;
  }
  return value === NOBODY ? null : value;
}

function endsIn(seconds) {
  const left = Number(seconds);
  return seconds !== null && seconds !== "" && Number.isFinite(left) ? Date.now() + left * 1000 : null;
}

// The server said who is signed in: their pages stay, everyone else's go, and a page open
// for someone else reloads (offline.js).
async function learn(person, until) {
  let before = null;
  await updateState((state) => {
    before = state.person;
    return { ...state, person, until: person ? until : null };
  });
  await forgetPages(person);
  if (before !== person) {
    await tellPages({ type: "person", person });
  }
}

// Whose saved pages may be shown now, without asking the server: the person last seen
// signed in, until their session's end. After it, their pages go.
async function showingFor() {
  const state = await readState();
  if (state.person && state.until !== null && Date.now() >= state.until) {
    await learn(null, null);
    return null;
  }
  return state.person;
}

// Asks the server who is signed in (when the worker starts, and when a page asks: back
// online, shown again). Without a connection, only the session's end counts.
async function checkPerson() {
  await settleSignOut();
  let who;
  try {
    const response = await fetch(WHOAMI, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      return;
    }
    who = await response.json();
  } catch (_error) {
    await showingFor();
    return;
  }
  await learn(who.person || null, who.person ? endsIn(who.session_left) : null);
}

function signOutAnswered(response) {
  return response.type === "opaqueredirect" || response.ok;
}

// The phone was cleared when the sign-out was tapped: the answer need not clear it again
// (which would stop this worker in the middle of the page it is fetching).
function postSignOut(body) {
  return fetch(SIGN_OUT, {
    method: "POST",
    body: new URLSearchParams(body),
    headers: { [KEPT_SIGN_OUT_HEADER]: "1" },
    credentials: "same-origin",
    redirect: "manual",
  });
}

// A sign-out tapped without a connection is sent as soon as there is one, before any page
// is fetched with the session it ends. When its form's CSRF token has expired meanwhile, a
// fresh one is asked for, only to end the same person's session. True once nothing is owed.
async function settleSignOut() {
  const { signOut } = await readState();
  if (!signOut) {
    return true;
  }
  try {
    if (!signOutAnswered(await postSignOut(signOut.body))) {
      const response = await fetch(WHOAMI, { credentials: "same-origin", cache: "no-store" });
      const who = response.ok ? await response.json() : {};
      if (who.person && who.person === signOut.person && who.csrf_token) {
        const body = new URLSearchParams(signOut.body);
        body.set("csrf_token", who.csrf_token);
        if (!signOutAnswered(await postSignOut(body))) {
          return false;
        }
      } else if (!response.ok) {
        return false;
      }
      // Otherwise nobody, or someone else, is signed in: that session has ended already.
    }
  } catch (_error) {
    return false; // still no connection
  }
  await updateState((state) => ({ ...state, signOut: null }));
  return true;
}

// Sign out: every saved page goes at once, with or without a connection; the outbox was
// emptied by the page (offline.js asks first when something in it was not sent).
async function signOut(request) {
  const body = await request.clone().text();
  await updateState((state) => ({ person: null, until: null, signOut: { body, person: state.person } }));
  await forgetPages(null);
  await tellPages({ type: "person", person: null });
  let response;
  try {
    response = await fetch(request);
  } catch (_error) {
    return Response.redirect(OFFLINE_SIGNED_OUT, 303);
  }
  if (signOutAnswered(response)) {
    await updateState((state) => ({ ...state, signOut: null }));
    return response;
  }
  // Refused (the page's CSRF token had expired): signed out here all the same.
  await settleSignOut();
  return Response.redirect(SIGNED_OUT, 303);
}

// A page is kept, in its person's cache, with the time it was fetched, which its saved copy
// says when shown.
async function keepPage(person, request, response) {
  const cache = await caches.open(pagesOf(person));
  const headers = new Headers(response.headers);
  headers.set(SAVED_AT, new Date().toISOString());
  // The body kept is the decoded one: its length and coding on the wire no longer apply.
  headers.delete("Content-Encoding");
  headers.delete("Content-Length");
  const body = await response.blob();
  await cache.put(request, new Response(body, { status: response.status, headers }));
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) {
    await cache.delete(old);
  }
  if ((await readState()).person !== person) {
    await caches.delete(pagesOf(person)); // someone else signed in meanwhile (another tab)
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
  let response;
  try {
    await settleSignOut();
    response = await fetch(request);
  } catch (_error) {
    return savedOrOffline(url);
  }
  const person = personIn(response);
  if (person !== undefined) {
    await learn(person, person ? endsIn(response.headers.get(SESSION_LEFT_HEADER)) : null);
  }
  // A filtered view (?due=1, ?period=90) is not kept: it would replace the page's own copy.
  const keep =
    Boolean(person) &&
    response.ok &&
    !response.redirected &&
    response.type === "basic" &&
    !url.search &&
    KEPT_PAGES.some((pattern) => pattern.test(url.pathname));
  if (keep) {
    await keepPage(person, new Request(url.pathname), response.clone());
  }
  return response;
}

// Without a connection: the page's saved copy, only for the person it was kept for, while
// their session lasts; else the offline page (which then says nobody is signed in).
async function savedOrOffline(url) {
  const person = await showingFor();
  if (person) {
    const cached = await caches.match(new Request(url.pathname), { cacheName: pagesOf(person) });
    if (cached && cached.headers.get(PERSON_HEADER) === person) {
      return savedCopy(cached);
    }
  }
  return offlinePage(person);
}

// The offline page is the same for everyone (fetched without cookies); it is told whose
// phone it is on, so offline.js shows what fits.
async function offlinePage(person) {
  const cached = await caches.match(OFFLINE_PAGE, { cacheName: SHELL_CACHE });
  if (!cached) {
    return Response.error();
  }
  const meta = person ? `<meta name="coachapp-person" content="${person}">` : "";
  const headers = new Headers(cached.headers);
  headers.delete("Content-Length");
  const text = await cached.text();
  return new Response(text.replace("<head>", `<head>\n  ${meta}`), {
    status: cached.status,
    headers,
  });
}

async function shellFirst(request, path) {
  const cached = await caches.match(path, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

// Another version of a shell file (another hash, or none): the one asked for while there is
// a connection, else the shell's.
async function otherVersion(request, path) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(path, { cacheName: SHELL_CACHE });
    if (cached) {
      return cached;
    }
    throw error;
  }
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
      return Response.redirect(`${OFFLINE_NOTE}?rep=${logging[1]}`, 303);
    }
    const person = await showingFor();
    if (!person) {
      return Response.redirect(OFFLINE_PAGE, 303); // nobody is signed in to keep it for
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
      person,
      url: url.pathname,
      body,
      label: QUEUEABLE_POSTS.find((post) => post.pattern.test(url.pathname)).label,
      created_at: new Date().toISOString(),
      state: "pending",
    });
    const back = copy.referrer && new URL(copy.referrer).origin === self.location.origin
      ? new URL(copy.referrer).pathname
      : OFFLINE_PAGE;
    return Response.redirect(`${back}?kept=1`, 303);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith(API_PREFIX)) {
    return;
  }
  if (request.method === "POST" && request.mode === "navigate") {
    if (url.pathname === SIGN_OUT) {
      event.respondWith(signOut(request));
    } else if (LOG_COACHING.test(url.pathname) || QUEUEABLE_POSTS.some((post) => post.pattern.test(url.pathname))) {
      event.respondWith(postOrKeep(request, url));
    }
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  const shellCopy = SHELL_BY_PLAIN_PATH[url.pathname.replace(HASHED_NAME, "$1$3")];
  if (SHELL.includes(url.pathname) && url.pathname !== OFFLINE_PAGE) {
    event.respondWith(shellFirst(request, url.pathname));
  } else if (shellCopy) {
    event.respondWith(otherVersion(request, shellCopy));
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
  const fallback = new URL(INBOX, self.location.origin);
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
  return Number.isInteger(id)
    ? new URL(INBOX_ITEM.replace(ID_SLOT, String(id)), self.location.origin).href
    : null;
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
  } else if (message.type === "check-person") {
    event.waitUntil(checkPerson());
  } else if (message.type === "skip-waiting") {
    self.skipWaiting();
  }
});
