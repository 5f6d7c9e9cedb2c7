// The app's own pages the scripts link to or recognise, by name. The server draws them from
// its URL map into a meta tag of every page (coachapp.links.script_links): no script here
// writes out a path.
const meta = document.querySelector('meta[name="coachapp-links"]');

export const LINKS = meta ? JSON.parse(meta.content) : {};

// A link with an id written into it, e.g. a note's edit page.
export function withId(template, id) {
  return template.replace(":id", encodeURIComponent(id));
}
