/* The unit picker: turns each text field marked data-unit-picker (unit codes, several
   separated by commas when data-multiple) into a combobox following the ARIA 1.2 pattern
   (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/): the person types part of a name or
   a code, the server's search (the field's data-unit-picker address, JSON) lists the units
   they may choose with their path, Up/Down move through the list, Enter chooses, Escape
   closes it. The field's value still goes to the server as codes in a hidden input of the
   same name; the server checks each unit again. Without this script the field stays a
   plain text field beside a link to the search page. */
(function () {
  "use strict";

  var counter = 0;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function splitCodes(text) {
    return (text || "")
      .split(/[,;]/)
      .map(function (part) { return part.trim(); })
      .filter(Boolean);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? values[key] : whole;
    });
  }

  function enhance(input) {
    counter += 1;
    var url = input.getAttribute("data-unit-picker");
    var multiple = input.hasAttribute("data-multiple");
    var texts = {
      none: input.getAttribute("data-text-none") || "",
      found: input.getAttribute("data-text-found") || "{n}",
      remove: input.getAttribute("data-text-remove") || "{unit}",
      chosen: input.getAttribute("data-text-chosen") || "",
      added: input.getAttribute("data-text-added") || "{unit}"
    };
    var listId = "unit-picker-list-" + counter;
    var joiner = url.indexOf("?") === -1 ? "?" : "&";

    // The value travels in a hidden input; the visible one becomes the combobox and keeps
    // its id, label, description and error.
    var hidden = element("input", { type: "hidden", name: input.name, value: input.value });
    var initial = splitCodes(input.value);
    input.removeAttribute("name");
    input.value = "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var wrapper = element("div", { class: "unit-picker" });
    input.parentNode.insertBefore(wrapper, input);
    var label = input.id ? document.querySelector('label[for="' + input.id + '"]') : null;
    var listbox = element("ul", { role: "listbox", id: listId, hidden: "" });
    if (label) listbox.setAttribute("aria-label", label.textContent.trim());
    var status = element("div", { role: "status", class: "visually-hidden" });
    var chips = null;
    if (multiple) {
      chips = element("ul", { class: "unit-chips", "aria-label": texts.chosen });
      wrapper.appendChild(chips);
    }
    wrapper.appendChild(input);
    wrapper.appendChild(listbox);
    wrapper.appendChild(hidden);
    wrapper.appendChild(status);

    var chosen = [];  // {code, path}
    var options = [];  // the listed units
    var active = -1;
    var asked = 0;
    var timer = null;

    function sync() {
      if (multiple) {
        hidden.value = chosen.map(function (unit) { return unit.code; }).join(", ");
      } else {
        hidden.value = chosen.length ? chosen[0].code : input.value;
      }
    }

    function renderChips() {
      if (!chips) return;
      chips.textContent = "";
      chosen.forEach(function (unit, index) {
        var item = element("li");
        item.appendChild(element("span", {}, unit.path));
        var button = element("button", {
          type: "button",
          class: "unit-chip-remove",
          "aria-label": fill(texts.remove, { unit: unit.path })
        }, "×");
        button.addEventListener("click", function () {
          chosen.splice(index, 1);
          renderChips();
          sync();
          input.focus();
        });
        item.appendChild(button);
        chips.appendChild(item);
      });
      chips.hidden = chosen.length === 0;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!options.length) return;
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var items = listbox.children;
      if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
      active = index;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      items[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function pick(index) {
      var unit = options[index];
      if (!unit) return;
      if (multiple) {
        var known = chosen.some(function (other) { return other.code === unit.code; });
        if (!known) chosen.push({ code: unit.code, path: unit.path });
        renderChips();
        input.value = "";
      } else {
        chosen = [{ code: unit.code, path: unit.path }];
        input.value = unit.path;
      }
      sync();
      close();
      status.textContent = fill(texts.added, { unit: unit.path });
    }

    function show(units) {
      options = units;
      listbox.textContent = "";
      active = -1;
      units.forEach(function (unit, index) {
        var item = element("li", {
          role: "option",
          id: listId + "-" + index,
          "aria-selected": "false"
        });
        var steps = unit.path.split(" › ");
        var name = steps.pop();
        item.appendChild(element("strong", {}, name));
        if (steps.length) item.appendChild(element("small", {}, steps.join(" › ")));
        item.appendChild(element("small", { class: "unit-code" }, unit.code));
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { pick(index); });
        listbox.appendChild(item);
      });
      status.textContent = units.length ? fill(texts.found, { n: units.length }) : texts.none;
      if (units.length) open(); else close();
    }

    function search() {
      var text = input.value.trim();
      if (!text) {
        options = [];
        close();
        return;
      }
      asked += 1;
      var ticket = asked;
      fetch(url + joiner + "q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { units: [] }; })
        .then(function (body) {
          if (ticket === asked && document.activeElement === input) show(body.units || []);
        })
        .catch(function () { /* the field keeps what was typed; the server reads it */ });
    }

    input.addEventListener("input", function () {
      if (!multiple) chosen = [];
      sync();
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });

    input.addEventListener("keydown", function (event) {
      var isOpen = !listbox.hidden;
      if (event.key === "ArrowDown" || event.key === "Down") {
        event.preventDefault();
        if (!isOpen) {
          open();
          if (!options.length) return;
        }
        highlight(active + 1 < options.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp" || event.key === "Up") {
        event.preventDefault();
        if (!isOpen) open();
        if (!options.length) return;
        highlight(active > 0 ? active - 1 : options.length - 1);
      } else if (event.key === "Enter") {
        if (isOpen && active >= 0) {
          event.preventDefault();
          pick(active);
        }
      } else if (event.key === "Escape" || event.key === "Esc") {
        if (isOpen) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          if (!multiple) chosen = [];
          sync();
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    wrapper.addEventListener("focusout", function (event) {
      if (!wrapper.contains(event.relatedTarget)) close();
    });

    // A name typed into a list but not chosen still goes to the server, which reads it.
    if (multiple && input.form) {
      input.form.addEventListener("submit", function () {
        var typed = input.value.trim();
        if (typed) hidden.value = chosen.map(function (unit) { return unit.code; }).concat([typed]).join(", ");
      });
    }

    // Show the units the field already holds by their path.
    if (initial.length) {
      chosen = initial.map(function (code) { return { code: code, path: code }; });
      if (!multiple) input.value = initial.join(", ");
      renderChips();
      sync();
      fetch(url + joiner + "codes=" + encodeURIComponent(initial.join(",")), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { units: [] }; })
        .then(function (body) {
          var paths = {};
          (body.units || []).forEach(function (unit) { paths[unit.code] = unit.path; });
          chosen.forEach(function (unit) {
            var path = paths[unit.code.toUpperCase()];
            if (path) unit.path = path;
          });
          if (!multiple && chosen.length === 1 && input.value === chosen[0].code) {
            input.value = chosen[0].path;
          }
          renderChips();
        })
        .catch(function () {});
    } else {
      renderChips();
    }
  }

  function start() {
    Array.prototype.forEach.call(
      document.querySelectorAll("input[data-unit-picker]:not([role])"),
      enhance
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
