// trialkit pages: small progressive enhancements; every form also works without JavaScript.
"use strict";

// "Add a row" for repeating CRF groups (baseline lesions): clone the last row with the next index.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const group = button.dataset.addRow;
  const body = document.querySelector(`table[data-repeat="${group}"] tbody`);
  if (!body || !body.lastElementChild) return;
  const next = body.children.length;
  const row = body.lastElementChild.cloneNode(true);
  row.querySelectorAll("input, select").forEach((control) => {
    const name = control.name.replace(/^([^.]+)\.\d+\./, `$1.${next}.`);
    control.name = name;
    control.id = `f-${name}`;
    const label = control.getAttribute("aria-label");
    if (label) control.setAttribute("aria-label", label.replace(/ \d+: /, ` ${next + 1}: `));
    control.removeAttribute("aria-invalid");
    control.removeAttribute("aria-describedby");
    if (control.tagName === "SELECT") control.selectedIndex = 0;
    else control.value = "";
  });
  row.querySelectorAll(".field-error").forEach((el) => el.remove());
  const number = row.querySelector(".row-number");
  if (number) number.textContent = String(next + 1);
  body.appendChild(row);
  const first = row.querySelector("input, select");
  if (first) first.focus();
});

// Lab form: picking a lab fills its canonical unit when the unit is still empty.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-unit-target]");
  if (!select) return;
  const unit = document.getElementById(select.dataset.unitTarget);
  const option = select.selectedOptions[0];
  if (unit && option && !unit.value) unit.value = option.dataset.unit || "";
});

// Live CRF form: say that the checklist above is out of date until the form is saved.
document.querySelectorAll("form[data-live]").forEach((form) => {
  const status = form.querySelector(".live-status");
  form.addEventListener("input", () => {
    if (status) status.textContent = "Unsaved changes: save to re-screen and update the checklist.";
  });
});

// Focus the first field with an error, so keyboard and screen-reader users land on it.
window.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) {
    const details = invalid.closest("details");
    if (details) details.open = true;
    invalid.focus();
  }
});

// An in-page link to a collapsed section (<details id=…>) opens it.
document.addEventListener("click", (event) => {
  const link = event.target.closest('a[href^="#"]');
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (target && target.tagName === "DETAILS") target.open = true;
});

// A table wider than its box scrolls inside its .table-wrap: such a box takes keyboard focus
// (arrow keys scroll it) and is named after its table, so a screen reader says what it is.
function markScrollingTables() {
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      const table = wrap.querySelector("table");
      const caption = table && table.caption ? table.caption.textContent.trim() : "";
      const section = wrap.closest("section, fieldset");
      const heading = section && section.querySelector("h2, h3, legend");
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", `${caption || (heading ? heading.textContent.trim() : document.title)} (table, scrolls sideways)`);
    } else {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  });
}
window.addEventListener("DOMContentLoaded", markScrollingTables);
window.addEventListener("resize", markScrollingTables);

// AE form: the grade definitions of the CTCAE term typed or picked (any case, or the old key);
// the general grade definitions while the term is not a CTCAE lab term.
function showGradeDefinitions(input) {
  const help = document.getElementById("ae-grade-help");
  if (!help) return;
  const typed = input.value.replace(/_/g, " ").toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  const blocks = Array.from(help.querySelectorAll(".grade-defs"));
  const match = blocks.find((b) => b.dataset.terms && b.dataset.terms.split("|").includes(typed));
  blocks.forEach((b) => { b.hidden = match ? b !== match : b.dataset.terms !== ""; });
}
document.addEventListener("input", (event) => {
  if (event.target.id === "f-ae_term") showGradeDefinitions(event.target);
});
window.addEventListener("DOMContentLoaded", () => {
  const term = document.getElementById("f-ae_term");
  if (term && term.value) showGradeDefinitions(term);
});
