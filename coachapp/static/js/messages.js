// What the scripts say, in the page's language. Each message is written here in English with
// its values as %(name)s, and listed in coachapp/script_messages.py for the catalogues;
// base.html gives the page's translations of them in a meta tag (no inline script: the CSP),
// and a message it does not translate is said in English.
const meta = document.querySelector('meta[name="coachapp-messages"]');
const TRANSLATED = meta ? JSON.parse(meta.content) : {};

// t("Note for %(name)s", { name }): the message in the page's language, its values filled in
// after it is translated.
export function t(message, values = {}) {
  const text = TRANSLATED[message] || message;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
