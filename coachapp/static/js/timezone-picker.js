// The time-zone picker (the timezone_picker macro): once this runs, its search box filters
// the grouped list as you type and picks the first zone that matches; the box is then no
// longer sent with the form, so the list's choice is the one saved. Without this script the
// box is an input of its own, with the browser's suggestions from its <datalist>.

import { t } from "./messages.js";

const fold = (text) =>
  text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

function enhance(picker) {
  const search = picker.querySelector('input[type="search"]');
  const select = picker.querySelector("select");
  const count = picker.querySelector("[data-timezone-count]");
  if (!search || !select || picker.dataset.enhanced) return;
  picker.dataset.enhanced = "1";
  search.removeAttribute("name");
  search.removeAttribute("list");
  const helpText = count ? count.textContent : "";
  // Every group and option as first drawn, each option searchable by its place, offset,
  // zone name and region.
  const groups = [...select.querySelectorAll("optgroup")].map((group) => ({
    label: group.label,
    options: [...group.querySelectorAll("option")].map((option) => ({
      option,
      text: fold(`${option.textContent} ${option.value.replaceAll("_", " ")} ${group.label}`),
    })),
  }));

  function filter() {
    const words = fold(search.value).split(/\s+/).filter(Boolean);
    const chosen = select.value;
    const kept = [];
    select.replaceChildren(
      ...groups.flatMap(({ label, options }) => {
        const matching = options.filter(({ text }) => words.every((w) => text.includes(w)));
        if (!matching.length) return [];
        const group = document.createElement("optgroup");
        group.label = label;
        group.append(...matching.map(({ option }) => option.cloneNode(true)));
        kept.push(...matching);
        return [group];
      }),
    );
    if (!kept.length) {
      const none = document.createElement("option");
      none.disabled = true;
      none.selected = true;
      none.value = "";
      none.textContent = t("No time zone matches");
      select.append(none);
    } else {
      const still = kept.find(({ option }) => option.value === chosen);
      select.value = words.length && !still ? kept[0].option.value : chosen;
      if (!select.value) select.value = kept[0].option.value;
    }
    if (count) {
      const zones = new Set(kept.map(({ option }) => option.value)).size;
      count.textContent = words.length
        ? t(zones === 1 ? "%(count)s time zone matches; choose one in the list." : "%(count)s time zones match; choose one in the list.", { count: zones })
        : helpText;
    }
  }

  search.addEventListener("input", filter);
  // The typed search stays; the zone now chosen is kept if a later search still lists it.
  if (search.value) filter();
}

function enhanceAll(root = document) {
  root.querySelectorAll("[data-timezone-picker]").forEach(enhance);
}

enhanceAll();
document.addEventListener("htmx:after:settle", (event) => enhanceAll(event.target));
