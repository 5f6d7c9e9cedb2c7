// "Turn on notifications" on the notification settings page.
// Permission is asked only when the user taps the button; the subscription goes to the
// server with the page's CSRF token (the API accepts the signed-in session that way).

import { LINKS } from "./links.js";
import { t } from "./messages.js";

const panel = document.querySelector("[data-push]");
const csrf = document.querySelector('meta[name="csrf-token"]');

function urlBase64ToBytes(text) {
  const padded = (text + "=".repeat((4 - (text.length % 4)) % 4))
    .replace(/-/g, "+")
    .replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function isAppleMobile() {
  return /iPhone|iPad|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function isStandalone() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

async function send(method, subscription) {
  const response = await fetch(panel.dataset.subscribeUrl, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.content : "" },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (!response.ok && response.status !== 404) {
    let message = t("The server answered %(status)s.", { status: response.status });
    try {
      const refused = (await response.json()).error;
      // The English is the API's; a reader of another language gets the error's translation.
      message = (refused.translation || refused).message || message;
    } catch (_error) {
      // keep the status line
    }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
}

if (panel) {
  const status = panel.querySelector("[data-push-status]");
  const onButton = panel.querySelector("[data-push-on]");
  const offButton = panel.querySelector("[data-push-off]");
  const iosHint = panel.querySelector("[data-push-ios]");
  const say = (text) => {
    status.textContent = text;
  };
  const showState = (subscribed) => {
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
    say(
      subscribed
        ? t("Notifications are on for this device.")
        : t("Notifications are off for this device. Your Inbox still gets everything."),
    );
  };

  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    if (isAppleMobile() && !isStandalone()) {
      iosHint.hidden = false;
      say(t("This browser can show notifications only from the Home Screen app."));
    } else {
      say(t("This browser cannot show notifications. Your Inbox still gets everything."));
    }
  } else if (!panel.dataset.publicKey) {
    say(t("Notifications are not set up on this server yet."));
  } else {
    const ready = navigator.serviceWorker.register(LINKS.service_worker).then(() => navigator.serviceWorker.ready);
    ready
      .then((registration) => registration.pushManager.getSubscription())
      .then((existing) => {
        if (Notification.permission === "denied") {
          say(t("Notifications are blocked for this site. Allow them in the browser's site settings."));
          onButton.hidden = true;
          return;
        }
        showState(Boolean(existing));
        if (existing) {
          // Keep the server's copy current (keys can change, the device may be new to it).
          // 409: another account turned notifications on in this browser and keeps them;
          // turning them off and on again gives this browser a subscription of its own.
          send("POST", existing).catch((error) => {
            if (error.status === 409) {
              say(error.message);
            }
          });
        }
      })
      .catch(() => say(t("Notifications could not be set up in this browser.")));

    onButton.addEventListener("click", async () => {
      onButton.disabled = true;
      try {
        const permission = await Notification.requestPermission();
        if (permission !== "granted") {
          say(t("Notifications were not allowed. You can allow them later in the browser's site settings."));
          return;
        }
        const registration = await ready;
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: urlBase64ToBytes(panel.dataset.publicKey),
        });
        await send("POST", subscription);
        window.location.reload(); // the device list now shows this device
      } catch (error) {
        say(t("Notifications could not be turned on: %(error)s", { error: error.message }));
      } finally {
        onButton.disabled = false;
      }
    });

    offButton.addEventListener("click", async () => {
      offButton.disabled = true;
      try {
        const registration = await ready;
        const subscription = await registration.pushManager.getSubscription();
        if (subscription) {
          await send("DELETE", subscription);
          await subscription.unsubscribe();
        }
        window.location.reload();
      } catch (error) {
        say(t("Notifications could not be turned off: %(error)s", { error: error.message }));
      } finally {
        offButton.disabled = false;
      }
    });
  }
}
