// Eco'circulaire: a little JavaScript on top of pages that work without it.
// - a form marked data-auto-submit submits itself (the sign-in link's confirmation),
// - an element marked data-focus-on-load takes the focus (the error summary of a form),
// - a company's select marked data-flows shows only that company's flows in the flow select it names,
// - a button marked data-print (hidden without JavaScript) prints the page,
// - inputs with data-suggest-url or data-suggest-options get search-as-you-type suggestions
//   (WAI-ARIA combobox with a listbox popup: arrows to move, Enter to choose, Escape to close).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-auto-submit]")) {
    form.requestSubmit();
  }
  const focus = document.querySelector("[data-focus-on-load]");
  if (focus) {
    focus.focus();
  }
  for (const input of document.querySelectorAll("input[data-suggest-url], input[data-suggest-options]")) {
    combobox(input);
  }
  for (const select of document.querySelectorAll("select[data-flows]")) {
    companyFlows(select);
  }
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});

function companyFlows(select) {
  const flows = document.getElementById(select.dataset.flows);
  if (!flows) {
    return;
  }
  const sync = () => {
    for (const group of flows.querySelectorAll("optgroup")) {
      const theirs = group.dataset.company === select.value;
      group.hidden = !theirs;
      group.disabled = !theirs;
    }
    const chosen = flows.selectedOptions[0];
    if (chosen && chosen.parentElement.disabled) {
      flows.value = "";
    }
  };
  select.addEventListener("change", sync);
  sync();
}

function combobox(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const status = document.getElementById("suggestions-etat");
  const url = input.dataset.suggestUrl;
  const options = input.dataset.suggestOptions ? JSON.parse(input.dataset.suggestOptions) : [];
  let items = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");

  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

  async function lookUp(query) {
    if (url) {
      if (query.trim().length < 2) {
        return [];
      }
      const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, { headers: { Accept: "application/json" } });
      return response.ok ? response.json() : [];
    }
    const wanted = fold(query);
    return options
      .filter(([value, label]) => !wanted || fold(value).startsWith(wanted) || fold(label).includes(wanted))
      .map(([value, label]) => ({ value, label }));
  }

  function close() {
    items = [];
    active = -1;
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function show(found, query) {
    items = found;
    active = -1;
    list.replaceChildren();
    items.forEach((item, index) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const code = document.createElement("span");
      code.className = "code";
      code.textContent = item.value;
      option.append(code, document.createTextNode(item.label));
      if (item.hazardous) {
        const danger = document.createElement("span");
        danger.className = "danger";
        danger.textContent = " (dangereux)";
        option.append(danger);
      }
      // mousedown, not click: choosing must happen before the input loses the focus.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(index);
      });
      list.append(option);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    if (status) {
      status.textContent = items.length
        ? `${items.length} suggestion${items.length > 1 ? "s" : ""} : flèches haut et bas pour parcourir, Entrée pour choisir.`
        : query ? "Aucune suggestion." : "";
    }
  }

  function highlight(index) {
    active = index;
    for (const [i, option] of [...list.children].entries()) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    }
    const option = list.children[index];
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function choose(index) {
    const item = items[index];
    if (item) {
      input.value = item.value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    close();
  }

  async function update() {
    const query = input.value;
    const ticket = ++asked;
    let found = [];
    try {
      found = await lookUp(query);
    } catch {
      found = [];
    }
    // An older answer arriving after a newer one must not replace it.
    if (ticket === asked && document.activeElement === input) {
      show(found, query);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, url ? 150 : 0);
  });
  input.addEventListener("focus", () => {
    if (!url) {
      update();
    }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) {
        update();
      } else {
        highlight(Math.min(active + 1, items.length - 1));
      }
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}
