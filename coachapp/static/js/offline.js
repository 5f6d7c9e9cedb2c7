// The outbox: what was done without a connection waits here (IndexedDB) and is sent once
// the connection returns — on page load, on the "online" event, when the service worker's
// Background Sync fires, and right after it was kept. The server makes every replay safe:
// a new note carries its client_uuid (the same note again is the same note), a draft
// carries its version (a newer save elsewhere is a conflict, shown, never overwritten),
// "Done" and "Acknowledge" are idempotent.
//
// Items are kept for one person (a phone may be shared): the person key of the page that kept
// them (coachapp/auth/person.py). They are shown, and sent, only on that person's pages;
// anyone else sees how many wait for someone else, never what they say. The server refuses
// a replay that names someone other than the signed-in person, in case an old page is open.
// Signing out empties the outbox, after asking when something in it was not sent.
//
// Item kinds: "note" (a debrief written on /notes/offline, sent through the API),
// "form" (a form post kept as it was: follow-up updates, acknowledgements, draft changes).
// States: "pending", "auth" (the session expired: sign in again), "conflict", "refused".
//
// What the user is told: what waits ("Saved on this phone — will sync"), what a sync sent
// ("Synced: …", kept until they leave the page), and on a page the service worker served
// from its cache, that it is a saved copy and from when, with what needs the network off.

const DB_NAME = "coachapp";
const STORE = "outbox";
const LOCK = "coachapp-outbox";
import { LINKS, withId } from "./links.js";
import { t } from "./messages.js";

const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const signedInMeta = document.querySelector('meta[name="signed-in"]');
const signedIn = Boolean(signedInMeta);
// Whose page this is, and so whose items it keeps, shows and sends.
const personMeta = document.querySelector('meta[name="coachapp-person"]');
const me = personMeta ? personMeta.content : null;
const PERSON_HEADER = (personMeta && personMeta.dataset.header) || "X-Coachapp-Person";
// Items kept before they carried a person key name the user's id.
const myId = signedInMeta ? signedInMeta.content : null;
// The page the service worker shows for a page it has no copy of (templates/pwa/offline.html).
const offlinePage = document.querySelector("[data-offline-signed-in]");

function csrfToken() {
  return csrfMeta ? csrfMeta.content : "";
}

function openDb() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "id" });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

async function everything() {
  const items = (await withStore("readonly", (store) => store.getAll())) || [];
  // Kept before items carried a person key: this person's if they carry this user's id.
  // One kept by the worker of those versions names nobody, and is never sent.
  for (const item of items.filter((i) => !i.person && me && myId && String(i.user) === myId)) {
    item.person = me;
    await withStore("readwrite", (store) => store.put(item));
  }
  return items;
}

function isMine(item) {
  return me !== null && item.person === me;
}

export const outbox = {
  all: () => everything().then((items) => items.filter(isMine)),
  // Someone else's: counted, never shown or sent.
  others: () => everything().then((items) => items.filter((i) => !isMine(i))),
  put: (item) => withStore("readwrite", (store) => store.put(item)),
  remove: (id) => withStore("readwrite", (store) => store.delete(id)),
  clear: () => withStore("readwrite", (store) => store.clear()),
};

// Sending ------------------------------------------------------------------------------

class Offline extends Error {}

// The server has someone else signed in than the person this page is for (another tab
// signed in since): nothing more is sent from this page.
class SomeoneElse extends Offline {}

// 429: this person sent too many changes in a short time. Nothing is wrong with the item;
// it stays pending and goes again once the server's Retry-After has passed.
class Throttled extends Offline {
  constructor(seconds) {
    super("too many changes at once");
    this.seconds = seconds;
  }
}

function retryAfter(response) {
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 900) : 30;
}

async function send(url, options) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...options });
  } catch (_error) {
    throw new Offline("no connection");
  }
  if (response.status === 429) {
    throw new Throttled(retryAfter(response));
  }
  if (response.status >= 500) {
    throw new Offline(`the server answered ${response.status}`); // try again later
  }
  return response;
}

let retryTimer = null;

// After a lost connection or a failing server the items wait; they are tried again by
// themselves, sooner first: a phone with a weak signal may never see an "online" event.
const FIRST_RETRY = 3;
const LAST_RETRY = 60;
let nextRetry = FIRST_RETRY;

function syncAgainLater() {
  syncAgainIn(nextRetry);
  nextRetry = Math.min(nextRetry * 2, LAST_RETRY);
}

function syncAgainIn(seconds) {
  if (retryTimer === null) {
    retryTimer = setTimeout(() => {
      retryTimer = null;
      sync();
    }, seconds * 1000);
  }
}

function jsonHeaders(item) {
  return { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), [PERSON_HEADER]: item.person };
}

async function refusal(item, response) {
  const signedInNow = response.headers.get(PERSON_HEADER);
  if (response.status === 409 && signedInNow && signedInNow !== item.person) {
    throw new SomeoneElse("someone else is signed in"); // the item stays, for its person
  }
  const toLogin = new URL(response.url, location.href).pathname === LINKS.login;
  // 400 on a kept form: its CSRF token belongs to a session that has ended.
  if (response.status === 401 || toLogin || (item.kind === "form" && response.status === 400)) {
    return { ...item, state: "auth" };
  }
  // A kept call refused because the day is closed (409) says why; otherwise a 409 or a 412
  // means it was changed elsewhere meanwhile.
  if (response.status === 412 || (response.status === 409 && item.kind !== "json")) {
    return { ...item, state: "conflict", error: t("Changed on another device meanwhile.") };
  }
  let message = t("Refused (%(status)s).", { status: response.status });
  let fields = null;
  try {
    const error = (await response.clone().json()).error;
    // The English is the API's; a reader of another language gets the error's translation.
    const said = error.translation || error;
    message = said.message || message;
    fields = said.fields || null;
  } catch (_error) {
    // an HTML answer: keep the status
  }
  return { ...item, state: "refused", error: message, fields };
}

async function sendNote(item) {
  let current = item;
  if (!current.session_id) {
    const created = await send(current.api, {
      method: "POST",
      headers: jsonHeaders(current),
      body: JSON.stringify(current.body),
    });
    if (!created.ok) {
      return refusal(current, created);
    }
    const session = await created.json();
    current = { ...current, session_id: session.id };
    await outbox.put(current); // a replay after this point shares, never creates again
  }
  if (current.share) {
    const shared = await send(`${current.api}/${current.session_id}/share`, {
      method: "POST",
      headers: jsonHeaders(current),
    });
    if (!shared.ok) {
      return refusal(current, shared);
    }
  }
  return null;
}

// A call captured on the ride-along page, posted to the API as it was kept. Its client_uuid
// makes a replay after a lost answer the same call (200), never a second one.
async function sendJson(item) {
  const response = await send(item.url, {
    method: "POST",
    headers: jsonHeaders(item),
    body: JSON.stringify(item.body),
  });
  return response.ok ? null : refusal(item, response);
}

// The ride-along page lists the calls the server has: once kept ones are sent, it asks for
// the list again (the page's own URL answers it to htmx requests).
async function refreshCalls() {
  const section = document.querySelector("[data-ride-calls]");
  if (!section) {
    return;
  }
  try {
    const response = await fetch(section.dataset.rideCalls, {
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    });
    if (!response.ok) {
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const fresh = template.content.querySelector("[data-ride-calls]");
    if (fresh) {
      section.replaceWith(fresh);
      showStatus();
    }
  } catch (_error) {
    // offline again: the kept calls stay listed as kept
  }
}

let refreshing = null;
let refreshAgain = false;

// One request for the list 200 ms after a kept call is sent; a call sent while that request
// is on its way asks for one more after it, so the list ends with the last call in it.
function refreshCallsSoon() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = new Promise((resolve) => setTimeout(resolve, 200))
    .then(refreshCalls)
    .finally(() => {
      refreshing = null;
      if (refreshAgain) {
        refreshAgain = false;
        refreshCallsSoon();
      }
    });
}

async function sendForm(item) {
  // The CSRF token kept with the form may predate a new sign-in: send the page's own.
  const body = new URLSearchParams(item.body);
  if (body.has("csrf_token")) {
    body.set("csrf_token", csrfToken());
  }
  const response = await send(item.url, {
    method: "POST",
    body,
    headers: { [PERSON_HEADER]: item.person },
  });
  if (response.ok && new URL(response.url, location.href).pathname !== LINKS.login) {
    return null;
  }
  return refusal(item, response);
}

let running = null;

// Sends what waits, oldest first; returns the items the server took.
async function syncNow() {
  const items = (await outbox.all()).filter((i) => i.state === "pending" || i.state === "auth");
  const sent = [];
  for (const item of items.sort((a, b) => a.created_at.localeCompare(b.created_at))) {
    try {
      const sender = { note: sendNote, json: sendJson }[item.kind] || sendForm;
      const left = await sender(item);
      if (left === null) {
        await outbox.remove(item.id);
        sent.push(item);
        if (item.page === location.pathname) {
          refreshCallsSoon();
        }
      } else {
        await outbox.put(left);
      }
    } catch (error) {
      if (error instanceof Throttled) {
        syncAgainIn(error.seconds);
      } else if (error instanceof Offline && !(error instanceof SomeoneElse)) {
        syncAgainLater();
      }
      if (error instanceof Offline) {
        return sent; // no connection, the server is down or busy: the rest waits too
      }
      throw error;
    }
  }
  nextRetry = FIRST_RETRY;
  return sent;
}

export async function sync() {
  if (!signedIn || !csrfToken() || !me) {
    return; // signed out: nothing can be sent until the user signs in again
  }
  if (running) {
    return running;
  }
  const run = navigator.locks
    ? navigator.locks.request(LOCK, syncNow) // one tab at a time
    : syncNow();
  running = run
    .then((sent) => {
      if (sent && sent.length) {
        synced.push(...sent);
        refreshFigures(); // what the page counts has changed on the server
      }
    })
    .finally(() => {
      running = null;
      showStatus();
    });
  return running;
}

export async function keep(item) {
  await outbox.put({ state: "pending", created_at: new Date().toISOString(), person: me, ...item });
  showStatus();
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) {
      await registration.sync.register("outbox");
    }
  } catch (_error) {
    // no Background Sync here: page loads and "online" events still send it
  }
  sync();
}

// What the user sees ---------------------------------------------------------------------

function statusElement() {
  let element = document.querySelector("[data-outbox-status]");
  if (!element) {
    element = document.createElement("div");
    element.className = "outbox-status";
    element.dataset.outboxStatus = "";
    element.setAttribute("role", "status");
    const main = document.querySelector("main");
    if (!main) {
      return null;
    }
    main.prepend(element);
  }
  return element;
}

function line(text, href, linkText) {
  const p = document.createElement("p");
  p.append(text);
  if (href) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = linkText;
    p.append(" ", a);
  }
  return p;
}

// What this page's syncs have sent: said ("Synced") until the user leaves the page, so the
// banner that said "Saved on this phone" does not just vanish.
const synced = [];

function syncedLine() {
  const labels = [...new Set(synced.map((item) => item.label).filter(Boolean))];
  const one = synced.length === 1;
  const said = labels.length
    ? t(one ? "Synced: %(count)s item sent (%(labels)s)." : "Synced: %(count)s items sent (%(labels)s).", { count: synced.length, labels: labels.join(", ") })
    : t(one ? "Synced: %(count)s item sent." : "Synced: %(count)s items sent.", { count: synced.length });
  const p = line(said);
  p.className = "synced";
  p.dataset.synced = "";
  return p;
}

// A line about something still on the phone (tests and the page wait on these).
function waitingLine(...args) {
  const p = line(...args);
  p.dataset.waiting = "";
  return p;
}

// What is kept for someone other than this page's person: how many, never what.
function othersLine(others) {
  const next = encodeURIComponent(location.pathname);
  const p = me
    ? line(t("%(count)s kept on this phone for someone else: sent when they sign in here again.", { count: others.length }))
    : line(t("Sign in again to send %(count)s kept on this phone.", { count: others.length }), `${LINKS.login}?next=${next}`, t("Sign in"));
  p.dataset.keptForOthers = "";
  return p;
}

export async function showStatus() {
  const items = await outbox.all();
  const others = await outbox.others();
  const element = statusElement();
  if (!element) {
    return;
  }
  element.replaceChildren();
  element.hidden = items.length === 0 && synced.length === 0 && others.length === 0;
  // The offline page is drawn for nobody; the service worker tells it whose phone it is on.
  const sends = signedIn || (offlinePage !== null && me !== null);
  const waiting = items.filter((i) => i.state === "pending" || i.state === "auth");
  const pending = sends ? items.filter((i) => i.state === "pending") : [];
  const auth = sends ? items.filter((i) => i.state === "auth") : waiting;
  if (synced.length) {
    element.append(syncedLine());
  }
  if (pending.length) {
    const waitingNow = pending.length === 1
      ? "Saved on this phone — will sync (%(count)s item waiting)."
      : "Saved on this phone — will sync (%(count)s items waiting).";
    element.append(waitingLine(t(waitingNow, { count: pending.length })));
  }
  if (auth.length) {
    const next = encodeURIComponent(location.pathname);
    element.append(waitingLine(t("Sign in again to send %(count)s kept on this phone.", { count: auth.length }), `${LINKS.login}?next=${next}`, t("Sign in")));
  }
  if (others.length) {
    element.append(othersLine(others));
  }
  for (const item of items.filter((i) => i.state === "conflict" || i.state === "refused")) {
    let where = item.kind === "form" ? item.page || item.url : null;
    let linkText = t("Open");
    if (item.kind === "note") {
      // Made but not shared: its draft says why at the field. Refused outright: back into
      // the note form, as it was typed, to fix and keep again.
      where = item.session_id
        ? withId(LINKS.note_edit, item.session_id)
        : `${LINKS.offline_note}?fix=${encodeURIComponent(item.id)}`;
      linkText = item.session_id ? t("Open") : t("Fix it");
    }
    element.append(waitingLine(t("%(what)s was not sent: %(error)s", { what: item.label || t("A change"), error: item.error }), where, linkText));
  }
  renderConflicts(items);
  renderKeptCalls(items);
}

// Saved copies and fresh figures --------------------------------------------------------------

// Set by the service worker on a page it served from its cache: when it was fetched (ms).
const savedCopy = document.querySelector('meta[name="saved-copy"]');

// What a saved copy cannot do: filters and downloads need the server, and so does every form
// except those that wait on the phone (the offline note form, captured calls, autosaved
// drafts, and forms the service worker keeps: data-can-wait).
const WAITS_ON_THE_PHONE =
  "[data-offline-note], [data-offline-call], [data-autosave], [data-can-wait], [data-sign-out]";
const NEEDS_NETWORK_LINKS = 'a[download], a[href$=".csv"], a[href*=".csv?"], a[href$=".ics"]';

function savedAtText(ms) {
  const when = new Date(ms);
  const time = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  if (when.toDateString() === new Date().toDateString()) {
    return time;
  }
  const day = when.toLocaleDateString([], { weekday: "short", day: "numeric", month: "short" });
  return `${day}, ${time}`;
}

function networkOnly(on) {
  const main = document.querySelector("main");
  if (!main) {
    return;
  }
  if (on) {
    for (const form of main.querySelectorAll("form")) {
      if (form.matches(WAITS_ON_THE_PHONE)) {
        continue;
      }
      for (const control of form.querySelectorAll("button, input, select, textarea")) {
        if (!control.disabled && control.type !== "hidden") {
          control.disabled = true;
          control.dataset.offlineOff = "";
        }
      }
    }
    for (const link of main.querySelectorAll(NEEDS_NETWORK_LINKS)) {
      link.setAttribute("aria-disabled", "true");
      link.dataset.offlineOff = "";
    }
    return;
  }
  for (const element of main.querySelectorAll("[data-offline-off]")) {
    if (element.tagName === "A") {
      element.removeAttribute("aria-disabled");
    } else {
      element.disabled = false;
    }
    delete element.dataset.offlineOff;
  }
}

// A link turned off on a saved copy does nothing when tapped (a download would fail).
document.addEventListener(
  "click",
  (event) => {
    const link = event.target instanceof Element && event.target.closest('a[aria-disabled="true"]');
    if (link) {
      event.preventDefault();
    }
  },
  true,
);

function savedCopyBanner() {
  let banner = document.querySelector("[data-saved-copy]");
  if (!banner) {
    banner = document.createElement("div");
    banner.className = "saved-copy";
    banner.dataset.savedCopy = "";
    banner.setAttribute("role", "status");
    const main = document.querySelector("main");
    if (!main) {
      return null;
    }
    main.prepend(banner);
  }
  return banner;
}

function showSavedCopy() {
  const banner = savedCopyBanner();
  if (!banner) {
    return;
  }
  const ms = Number(savedCopy.content);
  banner.replaceChildren(
    line(ms ? t("Saved copy from %(when)s, offline.", { when: savedAtText(ms) }) : t("Saved copy, offline.")),
    line(t("Filters, downloads and changes that need a connection are off until it returns.")),
  );
  networkOnly(true);
}

// Online again on a saved copy: its controls work again, and it says how old it is.
function backOnline() {
  const banner = savedCopyBanner();
  if (!banner) {
    return;
  }
  const ms = Number(savedCopy.content);
  banner.classList.add("saved-copy-online");
  banner.replaceChildren(
    line(
      ms ? t("Back online. This page is a copy from %(when)s.", { when: savedAtText(ms) }) : t("Back online. This page is a copy."),
      location.href,
      t("Reload"),
    ),
  );
  networkOnly(false);
}

// Parts of a page marked data-sync-refresh (Today's counts, the team list, a rep's notes to
// act on) are fetched again after a sync, so the figures follow what was just sent.
let refreshes = 0;

async function refreshFigures() {
  const parts = [...document.querySelectorAll("[data-sync-refresh][id]")];
  if (!parts.length && !savedCopy) {
    return;
  }
  const mine = ++refreshes; // an earlier refresh that answers later is not shown
  let fresh;
  try {
    const response = await fetch(location.pathname + location.search, {
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok || new URL(response.url).pathname !== location.pathname) {
      return;
    }
    fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch (_error) {
    return; // offline again: the figures stay as they are
  }
  if (mine !== refreshes) {
    return;
  }
  for (const part of [...document.querySelectorAll("[data-sync-refresh][id]")]) {
    const replacement = fresh.getElementById(part.id);
    if (!replacement) {
      part.remove(); // nothing of the kind any more (no note left to act on)
      continue;
    }
    const adopted = document.importNode(replacement, true);
    part.replaceWith(adopted);
    if (window.htmx && typeof window.htmx.process === "function") {
      window.htmx.process(adopted);
    }
  }
  if (savedCopy) {
    backOnline();
  }
}

// A draft changed offline and elsewhere: both versions are shown; the user picks.
function renderConflicts(items) {
  const form = document.querySelector("form[data-autosave]");
  if (!form) {
    return;
  }
  const action = new URL(form.action, location.href).pathname;
  const mine = items.find((i) => i.kind === "form" && i.url === action && i.state === "conflict");
  let panel = document.querySelector("[data-offline-conflict]");
  if (!mine) {
    if (panel) {
      panel.remove();
    }
    return;
  }
  if (!panel) {
    panel = document.createElement("section");
    panel.className = "conflict card stack";
    panel.dataset.offlineConflict = "";
    panel.setAttribute("aria-label", t("Your offline version"));
    form.before(panel);
  }
  const typed = new URLSearchParams(mine.body);
  const list = document.createElement("dl");
  for (const name of ["strengths", "development_focus", "private_notes"]) {
    if (typed.get(name)) {
      const term = document.createElement("dt");
      term.textContent = name.replace("_", " ");
      const value = document.createElement("dd");
      value.textContent = typed.get(name);
      list.append(term, value);
    }
  }
  const use = document.createElement("button");
  use.type = "button";
  use.className = "button button-primary";
  use.textContent = t("Use my offline version");
  use.addEventListener("click", async () => {
    for (const [name, value] of typed) {
      if (name === "csrf_token" || name === "version" || name.startsWith("base-")) {
        continue;
      }
      for (const field of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (field.type === "radio" || field.type === "checkbox") {
          field.checked = typed.getAll(name).includes(field.value);
        } else {
          field.value = value;
        }
      }
    }
    await outbox.remove(mine.id);
    form.dispatchEvent(new Event("change", { bubbles: true })); // autosave it now
    showStatus();
  });
  const drop = document.createElement("button");
  drop.type = "button";
  drop.className = "button";
  drop.textContent = t("Keep the version below");
  drop.addEventListener("click", async () => {
    await outbox.remove(mine.id);
    showStatus();
  });
  const heading = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = t("You changed this note offline, and it was saved from another device meanwhile.");
  heading.replaceChildren(strong, ` ${t("Below is the saved version; here is yours:")}`);
  panel.replaceChildren(heading, list, use, drop);
}

// Autosave without a connection, or refused for now (429): keep the whole form, one entry
// per draft.
function keepAutosave(ctx, statusText) {
  const form = ctx.sourceElement && ctx.sourceElement.closest("form[data-autosave]");
  if (!form) {
    return;
  }
  // "Share with rep" posts the same form elsewhere: keep where it was going.
  const target = ctx.sourceElement.getAttribute("hx-post") || form.action;
  const action = new URL(target, location.href).pathname;
  keep({
    id: `form:${action}`,
    kind: "form",
    url: action,
    body: new URLSearchParams(new FormData(form)).toString(),
    label: ctx.sourceElement.dataset.outboxLabel || t("Draft changes"),
    page: location.pathname, // where to open it again, should it be refused
  });
  // The save state only: the autosave block also holds the form's version and bases.
  const status = form.querySelector(".autosave .save-state");
  if (status) {
    status.textContent = statusText;
  }
}

document.addEventListener("htmx:error", (event) => {
  keepAutosave(event.detail.ctx || {}, t("Saved on this phone — will sync."));
});

document.addEventListener("htmx:after:request", (event) => {
  const ctx = event.detail.ctx || {};
  if (ctx.response && ctx.response.status === 429) {
    keepAutosave(ctx, t("Many changes at once — saved on this phone, will sync shortly."));
  }
});

// Forms sent from here -----------------------------------------------------------------------

// The form is handled: app.js unlocks its buttons (it locks them while a form is sent).
function sent(form) {
  form.dispatchEvent(new CustomEvent("coachapp:sent", { bubbles: true }));
}

// One client_uuid per form instance: made when the form is opened here (a page kept on the
// phone opens many times, so not the one it was rendered with) and kept across retries and
// double taps, so the server makes one note or call of it however often it is sent. Once
// what it made is kept, the instance is done: sending it again changes nothing, and the
// first edit after that begins the next one, with a client_uuid of its own.
function formInstance(form) {
  let field = form.elements.client_uuid;
  if (!field) {
    field = document.createElement("input");
    field.type = "hidden";
    field.name = "client_uuid";
    form.prepend(field);
  }
  const begin = () => {
    field.value = self.crypto.randomUUID();
    delete form.dataset.kept;
  };
  const next = () => {
    if (form.dataset.kept !== undefined) {
      begin();
    }
  };
  begin();
  form.addEventListener("input", next);
  form.addEventListener("change", next);
  return {
    done: () => {
      form.dataset.kept = "";
    },
    isDone: () => form.dataset.kept !== undefined,
  };
}

// The note form that works offline ---------------------------------------------------------

function joinChips(form, chipName, textName) {
  const chips = [...form.querySelectorAll(`input[name="${chipName}"]:checked`)].map((c) => c.value);
  const text = form.elements[textName].value.trim();
  return [...chips, text].filter(Boolean).join("\n");
}

// The day on the manager's own calendar (the time zone of their profile), as the server
// counts it: a note kept without a date is dated the day it was written there.
function localToday(timeZone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: timeZone || undefined,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).formatToParts(new Date());
  } catch (_error) {
    parts = new Intl.DateTimeFormat("en-US", {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).formatToParts(new Date()); // a zone this browser does not know: the phone's own
  }
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

// A message at the field it is about (and nothing typed is cleared).
function fieldProblem(form, name, message) {
  const slot = form.querySelector(`[data-field-error="${name}"]`);
  const field = form.elements[name];
  if (!slot || !field) {
    return false;
  }
  slot.textContent = message;
  slot.hidden = !message;
  field.closest(".field").classList.toggle("has-error", Boolean(message));
  if (message) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  } else {
    field.removeAttribute("aria-invalid");
  }
  return true;
}

function noteBody(form) {
  const repSelect = form.elements.rep_id;
  const guide = repSelect.selectedOptions[0].dataset.guide;
  const section = form.querySelector(`[data-guide-version="${guide}"]`);
  const ratings = [];
  for (const checked of section.querySelectorAll('input[type="radio"]:checked')) {
    const competencyId = Number(checked.name.replace("score-", ""));
    const evidence = section.querySelector(`input[name="evidence-${competencyId}"]`);
    ratings.push({
      competency_id: competencyId,
      score: checked.value === "n" ? null : Number(checked.value),
      evidence: evidence ? evidence.value.trim() : "",
    });
  }
  const followUps = [];
  const title = form.elements.follow_up_title.value.trim();
  if (title) {
    followUps.push({ title, due_date: form.elements.follow_up_due.value });
  }
  return {
    client_uuid: form.elements.client_uuid.value,
    rep_id: Number(repSelect.value),
    guide_version_id: Number(guide),
    type: form.querySelector('input[name="type"]:checked')?.value || null,
    occurred_on: form.elements.occurred_on.value || localToday(form.dataset.timezone),
    ratings,
    strengths: joinChips(form, "strength_chip", "strengths"),
    development_focus: joinChips(form, "focus_chip", "development_focus"),
    private_notes: form.elements.private_notes.value,
    follow_ups: followUps,
  };
}

// The note's caps and what sharing needs (coachapp.coaching.caps and .counts, in their own
// words on the form), said before the note is kept on the phone rather than when the server
// refuses it later.
function capsProblem(form, body, share) {
  const points = (text) => text.split("\n").filter((line) => line.trim()).length;
  const focus = points(body.development_focus);
  if (points(body.strengths) > Number(form.dataset.maxStrengths)) {
    return form.dataset.tooManyStrengths;
  }
  if (focus > Number(form.dataset.maxFocus)) {
    return form.dataset.tooManyFocus;
  }
  if (share && !body.ratings.some((rating) => rating.score !== null)) {
    return form.dataset.ratingToShare;
  }
  return share && focus < 1 ? form.dataset.focusToShare : null;
}

// Text longer than the server takes, said at its field before the note is kept (a value put
// back by "Fix it", pasted or dictated can be any length). The limits and their messages are
// the server's schemas' (coachapp.coaching.schemas), on each field as data-max-length and
// data-too-long; counted as the server counts, in characters rather than UTF-16 units.
function lengthProblem(form) {
  let first = null;
  for (const field of form.querySelectorAll("[data-max-length]")) {
    const over = !field.disabled && [...field.value].length > Number(field.dataset.maxLength);
    const slot = document.getElementById(`${field.id}-error`);
    if (slot) {
      slot.textContent = over ? field.dataset.tooLong : "";
      slot.hidden = !over;
    }
    if (over) {
      field.setAttribute("aria-invalid", "true");
      first = first || field;
    } else {
      field.removeAttribute("aria-invalid");
    }
  }
  if (first) {
    first.focus();
  }
  return first !== null;
}

// The kind of conversation is chosen, never assumed: said at its buttons.
function kindProblem(form, body) {
  const slot = form.querySelector('[data-field-error="type"]');
  slot.textContent = body.type ? "" : form.dataset.chooseType;
  slot.hidden = Boolean(body.type);
  if (!body.type) {
    form.querySelector('input[name="type"]').focus();
  }
  return !body.type;
}

function setUpNoteForm(form) {
  const repSelect = form.elements.rep_id;
  const wanted = new URLSearchParams(location.search).get("rep");
  if (wanted && [...repSelect.options].some((o) => o.value === wanted)) {
    repSelect.value = wanted;
  }
  const showGuide = () => {
    const guide = repSelect.selectedOptions[0].dataset.guide;
    for (const section of form.querySelectorAll("[data-guide-version]")) {
      const visible = section.dataset.guideVersion === guide;
      section.hidden = !visible;
      for (const input of section.querySelectorAll("input")) {
        input.disabled = !visible;
      }
    }
  };
  repSelect.addEventListener("change", showGuide);
  showGuide();
  // The page may have been kept on the phone since an earlier day: today is today here.
  const dated = () => {
    const today = localToday(form.dataset.timezone);
    form.elements.occurred_on.max = today;
    form.elements.occurred_on.value = today;
  };
  dated();
  const instance = formInstance(form);
  const problem = form.querySelector("[data-offline-error]");
  const keepNote = async (event) => {
    if (instance.isDone()) {
      return; // kept already: a second tap
    }
    const body = noteBody(form);
    if (kindProblem(form, body)) {
      return;
    }
    const future = body.occurred_on > localToday(form.dataset.timezone);
    fieldProblem(form, "occurred_on", future ? form.dataset.inTheFuture : "");
    if (future) {
      return;
    }
    if (lengthProblem(form)) {
      return;
    }
    if (body.follow_ups.length && !body.follow_ups[0].due_date) {
      problem.textContent = form.dataset.giveDueDate;
      problem.hidden = false;
      form.elements.follow_up_due.focus();
      return;
    }
    const share = event.submitter && event.submitter.value === "share";
    const overCaps = capsProblem(form, body, share);
    if (overCaps) {
      problem.textContent = overCaps;
      problem.hidden = false;
      return;
    }
    problem.hidden = true;
    const rep = repSelect.selectedOptions[0].textContent;
    await keep({
      id: body.client_uuid,
      kind: "note",
      api: form.dataset.api,
      body,
      share,
      label: t("Note for %(name)s", { name: rep }),
    });
    instance.done();
    form.reset();
    repSelect.value = String(body.rep_id);
    showGuide();
    dated();
    form.before(line(t(share ? "Note for %(name)s saved on this phone — will sync and share." : "Note for %(name)s saved on this phone — will sync.", { name: rep })));
    window.scrollTo(0, 0);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    keepNote(event).finally(() => sent(form));
  });
  const fixing = new URLSearchParams(location.search).get("fix");
  if (fixing) {
    refill(form, fixing, showGuide);
  }
}

// A note the server refused (e.g. dated after today on the manager's calendar), back in the
// form as it was typed, with what to fix at its field; kept again, it replaces the refused
// one (the same client_uuid: nothing was made of it).
async function refill(form, id, showGuide) {
  const item = (await outbox.all()).find((i) => i.id === id && i.kind === "note" && !i.session_id);
  if (!item) {
    return;
  }
  const body = item.body;
  form.elements.client_uuid.value = body.client_uuid;
  form.elements.rep_id.value = String(body.rep_id);
  showGuide();
  for (const radio of form.querySelectorAll('input[name="type"]')) {
    radio.checked = radio.value === body.type;
  }
  form.elements.occurred_on.value = body.occurred_on || "";
  const section = form.querySelector(`[data-guide-version="${body.guide_version_id}"]`);
  for (const rating of body.ratings || []) {
    const value = rating.score === null ? "n" : String(rating.score);
    const radio = section && section.querySelector(`input[name="score-${rating.competency_id}"][value="${value}"]`);
    if (radio) {
      radio.checked = true;
    }
    const evidence = section && section.querySelector(`input[name="evidence-${rating.competency_id}"]`);
    if (evidence) {
      evidence.value = rating.evidence || "";
    }
  }
  for (const [chipName, textName] of [
    ["strength_chip", "strengths"],
    ["focus_chip", "development_focus"],
  ]) {
    const lines = (body[textName] || "").split("\n");
    const chips = [...form.querySelectorAll(`input[name="${chipName}"]`)];
    for (const chip of chips) {
      chip.checked = lines.includes(chip.value);
    }
    const chosen = new Set(chips.filter((c) => c.checked).map((c) => c.value));
    form.elements[textName].value = lines.filter((l) => !chosen.has(l)).join("\n").trim();
  }
  form.elements.private_notes.value = body.private_notes || "";
  const followUp = (body.follow_ups || [])[0];
  form.elements.follow_up_title.value = followUp ? followUp.title : "";
  form.elements.follow_up_due.value = followUp ? followUp.due_date || "" : "";
  const fields = item.fields || {};
  const placed = Object.entries(fields).filter(
    ([name, messages]) =>
      Array.isArray(messages) && fieldProblem(form, name, messages.filter((m) => typeof m === "string").join(" ")),
  );
  if (!placed.length) {
    const problem = form.querySelector("[data-offline-error]");
    problem.textContent = item.error;
    problem.hidden = false;
  }
}

// The ride-along day: calls captured with or without a connection ------------------------

// Calls of this page still on the phone, listed above the ones the server has.
function renderKeptCalls(items) {
  const list = document.querySelector("[data-kept-calls]");
  if (!list) {
    return;
  }
  const kept = items.filter((i) => i.kind === "json" && i.page === location.pathname);
  list.replaceChildren(
    ...kept.map((item) => {
      const row = document.createElement("li");
      row.className = "list-row call";
      const main = document.createElement("span");
      main.className = "list-main";
      const title = document.createElement("span");
      title.className = "list-title";
      title.textContent = item.summary;
      const meta = document.createElement("span");
      meta.className = "list-meta kept";
      const waiting = item.state === "pending" || item.state === "auth";
      meta.textContent = waiting ? t("Kept on this phone — will sync") : t("Not sent: %(error)s", { error: item.error });
      main.append(title, meta);
      row.append(main);
      return row;
    }),
  );
  list.hidden = kept.length === 0;
  const none = document.querySelector("[data-no-calls]");
  if (none) {
    none.hidden = kept.length > 0;
  }
}

// The capture form as the API's call body, or what is missing (the form says it in the
// server's own words, kept on the form as data attributes).
function callBody(form) {
  const ratings = [];
  for (const seen of form.querySelectorAll('input[name="seen"]:checked')) {
    const score = form.querySelector(`input[name="score-${seen.value}"]:checked`);
    if (!score) {
      return { problem: form.dataset.needScore };
    }
    ratings.push({ competency_id: Number(seen.value), score: Number(score.value) });
  }
  const body = {
    client_uuid: form.elements.client_uuid.value,
    guide_version_id: Number(form.elements.guide_version_id.value) || null,
    ratings,
    evidence: form.elements.evidence.value.trim(),
    captured_at: new Date().toISOString(),
  };
  const stop = form.querySelector('input[name="stop"]:checked');
  let account = "";
  if (stop && stop.value) {
    body.stop_id = Number(stop.value);
    account = form.querySelector(`label[for="${stop.id}"]`).textContent.trim();
  } else {
    account = form.elements.account_name.value.trim();
    body.account_name = account;
  }
  if (!account) {
    return { problem: form.dataset.needAccount };
  }
  if (!ratings.length && !body.evidence) {
    return { problem: form.dataset.needSomething };
  }
  return { body, account };
}

function setUpCallForm(form) {
  const problem = form.querySelector("[data-offline-error]");
  const instance = formInstance(form);
  const keepCall = async () => {
    if (instance.isDone()) {
      return; // kept already: a second tap
    }
    const found = callBody(form);
    if (found.problem) {
      problem.textContent = found.problem;
      problem.hidden = false;
      return;
    }
    problem.hidden = true;
    // The next call is most likely at the same account: it stays chosen after the reset.
    const stop = form.querySelector('input[name="stop"]:checked');
    const accountName = form.elements.account_name.value;
    const rated = found.body.ratings.length;
    await keep({
      id: found.body.client_uuid,
      kind: "json",
      url: form.dataset.api,
      body: found.body,
      page: location.pathname,
      summary: `${found.account} · ${rated} rated${found.body.evidence ? ` · ${found.body.evidence}` : ""}`,
      label: t("The call at %(account)s", { account: found.account }),
    });
    instance.done();
    form.reset();
    if (stop) {
      stop.checked = true;
    }
    form.elements.account_name.value = accountName;
    const calls = document.querySelector("[data-ride-calls]");
    if (calls) {
      calls.scrollIntoView({ block: "start" });
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    keepCall().finally(() => sent(form));
  });
}

// "Write the note" waits for calls still on the phone: the note is made from what the
// server has.
function guardWriteNote(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const waiting = (await outbox.all()).filter(
      (i) => i.kind === "json" && i.page === location.pathname && i.state === "pending",
    );
    if (!waiting.length) {
      form.submit();
      return;
    }
    const problem = form.querySelector("[data-write-note-error]");
    const noun = waiting.length === 1 ? "call is" : "calls are";
    problem.textContent = `${waiting.length} ${noun} still on this phone. They are sent as soon as there is a connection; then write the note.`;
    problem.hidden = false;
    sent(form);
    sync();
  });
}

// Signing out ------------------------------------------------------------------------------

// Set once the sign-out is on its way: this page no longer reloads for a change of person.
let leaving = false;

function leave(form) {
  leaving = true;
  // The service worker deletes the saved pages (and the server's answer clears site data).
  outbox.clear().finally(() => form.submit());
}

function noun(count) {
  return t(count === 1 ? "%(count)s item" : "%(count)s items", { count });
}

// Something kept on this phone was not sent: signing out would delete it, so the person
// chooses. What others kept is deleted too (a shared phone keeps nothing after a sign-out).
function signOutChoice(form, mine, others) {
  let panel = form.querySelector("[data-sign-out-choice]");
  if (!panel) {
    panel = document.createElement("div");
    panel.className = "card stack";
    panel.dataset.signOutChoice = "";
    panel.setAttribute("role", "alert");
    form.append(panel);
  }
  const said = [];
  if (mine.length) {
    const labels = [...new Set(mine.map((item) => item.label).filter(Boolean))];
    const one = mine.length === 1;
    const notSent = labels.length
      ? (one
        ? "%(items)s on this phone not sent yet (%(labels)s). It is sent when there is a connection, while you stay signed in; signing out deletes it."
        : "%(items)s on this phone not sent yet (%(labels)s). They are sent when there is a connection, while you stay signed in; signing out deletes them.")
      : (one
        ? "%(items)s on this phone not sent yet. It is sent when there is a connection, while you stay signed in; signing out deletes it."
        : "%(items)s on this phone not sent yet. They are sent when there is a connection, while you stay signed in; signing out deletes them.");
    said.push(line(t(notSent, { items: noun(mine.length), labels: labels.join(", ") })));
  }
  if (others.length) {
    const deleted = others.length === 1
      ? "%(items)s kept here for someone else is deleted too."
      : "%(items)s kept here for someone else are deleted too.";
    said.push(line(t(deleted, { items: noun(others.length) })));
  }
  const stay = document.createElement("button");
  stay.type = "button";
  stay.className = "button button-primary";
  stay.textContent = t("Stay signed in");
  stay.addEventListener("click", () => {
    panel.remove();
    sync();
  });
  const go = document.createElement("button");
  go.type = "button";
  go.className = "button button-danger";
  go.textContent = t("Sign out and delete them");
  go.addEventListener("click", () => leave(form));
  panel.replaceChildren(...said, stay, go);
  stay.focus();
}

function guardSignOut(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if ((await outbox.all()).length) {
      // With a connection, what can be sent goes first (not waiting long on a poor one).
      await Promise.race([sync(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    }
    const mine = await outbox.all();
    const others = await outbox.others();
    if (!mine.length && !others.length) {
      leave(form);
      return;
    }
    signOutChoice(form, mine, others);
    sent(form);
  });
}

// Who is signed in --------------------------------------------------------------------------

// The service worker asks the server (or, without a connection, checks the session's end)
// and deletes the saved pages of anyone who is not signed in; it then says so (below).
function askWhoIsSignedIn() {
  if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ type: "check-person" });
  }
}

// This page is someone's who is no longer signed in here: what it shows goes. Not a reload,
// which would cut short a navigation already on its way (to sign in, say).
function coverPage(person) {
  const main = document.querySelector("main");
  if (!main) {
    return;
  }
  const title = document.querySelector(".topbar-title");
  if (title) {
    title.textContent = "Coachapp";
  }
  const next = encodeURIComponent(location.pathname + location.search);
  main.replaceChildren(
    person === null
      ? line(t("You are no longer signed in on this phone, so this page is not shown."), `${LINKS.login}?next=${next}`, t("Sign in"))
      : line(t("Someone else is signed in on this phone now, so this page is not shown."), location.href, t("Open it again")),
  );
}

// Start ----------------------------------------------------------------------------------

for (const form of document.querySelectorAll("form[data-sign-out]")) {
  guardSignOut(form);
}
if (offlinePage) {
  // Drawn for nobody: the service worker says whose phone it is on (see sw.js).
  const signedOut = document.querySelector("[data-offline-signed-out]");
  offlinePage.hidden = me === null;
  signedOut.hidden = me !== null;
  signedOut.querySelector("[data-signed-out-here]").hidden = !new URLSearchParams(location.search).has("signed_out");
}
const noteForm = document.querySelector("form[data-offline-note]");
if (noteForm) {
  setUpNoteForm(noteForm);
}
const callForm = document.querySelector("form[data-offline-call]");
if (callForm) {
  setUpCallForm(callForm);
}
const writeNoteForm = document.querySelector("form[data-write-note]");
if (writeNoteForm) {
  guardWriteNote(writeNoteForm);
}
if (new URLSearchParams(location.search).has("kept")) {
  statusElement();
}
if (savedCopy) {
  showSavedCopy();
}
window.addEventListener("online", async () => {
  askWhoIsSignedIn();
  await sync();
  if (savedCopy && !synced.length) {
    refreshFigures(); // nothing was sent (that refreshes by itself): still, live again
  }
});
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "sync-outbox") {
      sync();
    } else if (event.data && event.data.type === "person" && me !== null && event.data.person !== me && !leaving) {
      coverPage(event.data.person);
    }
  });
}
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && me !== null) {
    askWhoIsSignedIn();
  }
});
if (savedCopy) {
  askWhoIsSignedIn();
}
showStatus().then(() => sync());
