/* The people picker (issue 19): wherever a person is chosen, a search box and the
 * organisation tree (companies > departments > people, each unit loaded when opened) in
 * place of a flat list of every user, as DingTalk's and Weaver's pickers do.
 *
 * It enhances an existing form control marked `data-oa-people` ("username" or "id": which
 * of the person's values the control posts): a <select> (single or `multiple`) or a text
 * <input> holding one user name. The control stays in the form, hidden, and keeps posting
 * exactly what it posted before, so the server's commands and rules do not change; without
 * script it is the plain list or box it always was. The server answers one JSON endpoint
 * (org/people_views.py), whose address this script's own tag carries
 * (`data-oa-people-url`), and decides whom it offers.
 *
 * Search matches the beginning of a name (Chinese or English, or of its given name), the
 * user name, and the pinyin in full or as initials: "zw" and "zhangwei" find 张伟.
 * Keyboard: type to search; Down and Up move through the list; Enter chooses a person or
 * opens a unit; Left (in an empty box) goes up a unit; Escape closes the list; Backspace in
 * an empty box removes the last chosen person. Chosen people are chips with a remove button.
 *
 * Other scripts enhance controls they build later with window.oaPeoplePicker.enhance(control,
 * {url}) (the designer's named users).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var defaultUrl = script ? script.getAttribute("data-oa-people-url") : null;
  var _ = window.oaI18n ? window.oaI18n.gettext : function (text, params) {
    return text.replace(/%\(([A-Za-z_]+)\)s/g, function (m, name) {
      return params && name in params ? String(params[name]) : m;
    });
  };
  var counter = 0;

  if (script && !document.querySelector("link[data-oa-people-css]")) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = script.src.replace(/\.js(\?.*)?$/, ".css$1");
    css.setAttribute("data-oa-people-css", "");
    document.head.appendChild(css);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The "nobody chosen" option of a list: empty, or Flask-AppBuilder's blank ("Myself").
  function blank(option) {
    return !option.value || option.value === "__None";
  }

  /* What the control holds now: [{value, label}]. */
  function chosenIn(control) {
    if (control.tagName === "SELECT") {
      return Array.prototype.filter.call(control.options, function (o) {
        return o.selected && !blank(o);
      }).map(function (o) { return { value: o.value, label: o.textContent }; });
    }
    var value = control.value.trim();
    var label = control.getAttribute("data-oa-people-label") || value;
    return value ? [{ value: value, label: label }] : [];
  }

  function enhance(control, options) {
    if (!control || control.getAttribute("data-oa-people-ready")) return null;
    options = options || {};
    var url = options.url || control.getAttribute("data-oa-people-url") || defaultUrl;
    if (!url) return null;
    control.setAttribute("data-oa-people-ready", "true");
    var valueKind = options.value || control.getAttribute("data-oa-people") || "username";
    var multiple = control.tagName === "SELECT" && control.multiple;
    // People the list itself leaves out (the handler, who cannot transfer to themselves).
    var leftOut = (control.getAttribute("data-oa-people-except") || "").split(/\s+/).filter(Boolean);
    var id = control.id || "oa-people-" + (++counter);
    var required = control.required;
    control.required = false;  // a hidden control cannot show the browser's message
    control.hidden = true;
    control.style.display = "none";  // Bootstrap's .form-control would show it despite hidden
    control.setAttribute("aria-hidden", "true");
    control.tabIndex = -1;

    var box = el("div", { class: "oa-people", "data-oa-people-for": id });
    var chips = el("ul", { class: "oa-people-chips", "aria-live": "polite" });
    var search = el("input", {
      type: "text",
      class: "form-control oa-people-search",
      id: id + "-search",
      role: "combobox",
      autocomplete: "off",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": id + "-list",
      placeholder: _("Name, user name or pinyin initials (zw)"),
    });
    var panel = el("div", { class: "oa-people-panel", id: id + "-panel" });
    panel.hidden = true;
    var path = el("nav", { class: "oa-people-path", "aria-label": _("Organisation") });
    var list = el("ul", {
      class: "oa-people-list",
      role: "listbox",
      id: id + "-list",
      "aria-label": _("People and units"),
      "aria-multiselectable": multiple ? "true" : null,
    });
    var more = el("button", { type: "button", class: "btn btn-link btn-xs oa-people-more" }, _("Show more"));
    more.hidden = true;
    var status = el("p", { class: "oa-people-status text-muted small", "aria-live": "polite" });
    panel.append(path, list, more, status);
    box.append(chips, search, panel);
    control.parentNode.insertBefore(box, control.nextSibling);
    var selector = "label[for='" + id + "']";
    var label = (control.closest(".form-group") || document).querySelector(selector) ||
      document.querySelector(selector);
    if (label) label.setAttribute("for", search.id);
    else if (control.getAttribute("aria-label")) search.setAttribute("aria-label", control.getAttribute("aria-label"));

    var unit = "";
    var query = "";
    var page = 1;
    var items = [];  // [{kind: "unit"|"person", data, node}]
    var active = -1;
    var sequence = 0;
    var timer = null;

    function chosen() { return chosenIn(control); }

    function isChosen(value) {
      return chosen().some(function (c) { return c.value === value; });
    }

    function validity() {
      search.setCustomValidity(required && !chosen().length ? _("Choose a person.") : "");
    }

    function drawChips() {
      chips.textContent = "";
      chosen().forEach(function (c) {
        var chip = el("li", { class: "oa-people-chip", "data-oa-value": c.value });
        chip.append(el("span", {}, c.label));
        var remove = el("button", {
          type: "button",
          class: "oa-people-remove",
          "aria-label": _("Remove %(name)s", { name: c.label }),
        }, "×");
        remove.addEventListener("click", function () {
          take(c.value);
          search.focus();
        });
        chip.append(remove);
        chips.append(chip);
      });
      chips.hidden = !chips.childNodes.length;
      validity();
    }

    function changed() {
      control.dispatchEvent(new Event("change", { bubbles: true }));
      drawChips();
      items.forEach(function (item) {
        if (item.kind === "person") {
          item.node.setAttribute("aria-selected", String(isChosen(item.value)));
        }
      });
    }

    function give(person) {
      var value = String(person[valueKind]);
      if (control.tagName === "SELECT") {
        var option = Array.prototype.find.call(control.options, function (o) { return o.value === value; });
        if (!option) {
          option = new Option(person.label, value);
          control.add(option);
        }
        if (!multiple) {
          Array.prototype.forEach.call(control.options, function (o) { o.selected = false; });
        }
        option.selected = true;
      } else {
        control.value = value;
        control.setAttribute("data-oa-people-label", person.label);
      }
      changed();
    }

    function take(value) {
      if (control.tagName === "SELECT") {
        Array.prototype.forEach.call(control.options, function (o) {
          if (o.value === value) o.selected = false;
        });
        var none = Array.prototype.find.call(control.options, blank);
        if (!multiple && none) none.selected = true;
      } else {
        control.value = "";
      }
      changed();
    }

    function open() {
      if (!panel.hidden) return;
      panel.hidden = false;
      search.setAttribute("aria-expanded", "true");
      if (!items.length) load(false);
    }

    function close() {
      panel.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      setActive(-1);
    }

    function setActive(index) {
      if (items[active]) items[active].node.classList.remove("oa-people-active");
      active = index;
      if (items[active]) {
        var node = items[active].node;
        node.classList.add("oa-people-active");
        search.setAttribute("aria-activedescendant", node.id);
        node.scrollIntoView({ block: "nearest" });
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }

    function drawPath(units) {
      path.textContent = "";
      if (query) {
        path.append(el("span", {}, _("People found")));
        return;
      }
      var steps = [{ key: "", label: _("Whole group") }].concat(units || []);
      steps.forEach(function (step, index) {
        if (index) path.append(el("span", { class: "oa-people-sep", "aria-hidden": "true" }, "›"));
        if (index === steps.length - 1) {
          path.append(el("strong", { "aria-current": "location" }, step.label));
        } else {
          var up = el("button", { type: "button", class: "btn btn-link btn-xs", "data-oa-unit": step.key }, step.label);
          up.addEventListener("click", function () { go(step.key); });
          path.append(up);
        }
      });
    }

    function option(kind, data, index) {
      var node = el("li", {
        role: "option",
        id: list.id + "-" + index,  // the list's id now: a table row's is renumbered
        class: "oa-people-" + kind,
      });
      if (kind === "unit") {
        node.setAttribute("data-oa-unit", data.key);
        node.append(el("i", { class: "fa " + (data.kind === "company" ? "fa-building-o" : "fa-sitemap"), "aria-hidden": "true" }));
        node.append(el("span", { class: "oa-people-name" }, data.label));
        node.append(el("span", { class: "oa-people-open", "aria-hidden": "true" }, "›"));
      } else {
        node.setAttribute("data-oa-person", data.username);
        node.setAttribute("aria-selected", String(isChosen(String(data[valueKind]))));
        node.append(el("span", { class: "oa-people-name" }, data.label));
        // A search's namesakes told apart by department (the tree shows it in the path).
        if (data.unit && query) node.append(el("small", { class: "oa-people-unit-name" }, data.unit));
      }
      node.addEventListener("mousedown", function (event) { event.preventDefault(); });
      node.addEventListener("click", function () { activate(items.indexOf(item)); });
      var item = { kind: kind, data: data, node: node, value: kind === "person" ? String(data[valueKind]) : null };
      return item;
    }

    function draw(answer, append) {
      if (!append) {
        items = [];
        list.textContent = "";
        list.setAttribute("data-oa-query", query);
        active = -1;
        drawPath(answer.path);
      }
      answer.units.forEach(function (u) { items.push(option("unit", u, items.length)); });
      answer.people.forEach(function (p) {
        if (leftOut.indexOf(p.username) < 0) items.push(option("person", p, items.length));
      });
      items.slice(list.childNodes.length).forEach(function (item) { list.append(item.node); });
      more.hidden = !answer.more;
      status.textContent = items.length
        ? answer.narrow ? _("Many people match: type more to narrow the list.") : ""
        : query ? _("Nobody found.") : _("Nobody here.");
    }

    function load(append) {
      var mine = ++sequence;
      var params = new URLSearchParams({ page: String(page) });
      if (query) params.set("q", query);
      else params.set("unit", unit);
      status.textContent = _("Loading…");
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) throw new Error(data.error || response.statusText);
            return data;
          });
        })
        .then(function (data) {
          if (mine === sequence) draw(data, append);
        })
        .catch(function (error) {
          if (mine === sequence) status.textContent = _("The list could not be loaded: %(reason)s", { reason: error.message });
        });
    }

    function go(key) {
      unit = key;
      query = "";
      search.value = "";
      page = 1;
      load(false);
      search.focus();
    }

    function activate(index) {
      var item = items[index];
      if (!item) return;
      if (item.kind === "unit") {
        go(item.data.key);
        return;
      }
      if (multiple && isChosen(item.value)) take(item.value);
      else give(item.data);
      if (!multiple) {
        // Chosen: the next opening starts again from the tree, not from these results.
        close();
        search.value = "";
        query = "";
        items = [];
        list.textContent = "";
        list.removeAttribute("data-oa-query");
      } else {
        setActive(index);
      }
    }

    search.addEventListener("focus", open);
    search.addEventListener("click", open);
    search.addEventListener("input", function () {
      open();
      clearTimeout(timer);
      timer = setTimeout(function () {
        query = search.value.trim();
        page = 1;
        load(false);
      }, 150);
    });
    search.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "ArrowDown" || key === "ArrowUp") {
        event.preventDefault();
        open();
        if (!items.length) return;
        var step = key === "ArrowDown" ? 1 : -1;
        setActive(active < 0 ? (step > 0 ? 0 : items.length - 1) : (active + step + items.length) % items.length);
      } else if (key === "Enter") {
        // Never submits the form the picker stands in.
        event.preventDefault();
        if (panel.hidden) { open(); return; }
        if (search.value.trim() !== list.getAttribute("data-oa-query")) return;  // still coming
        activate(active >= 0 ? active : 0);
      } else if (key === "Escape") {
        if (!panel.hidden) {
          event.preventDefault();
          event.stopPropagation();  // closes the list, not the dialog around it
          close();
        }
      } else if (key === "ArrowLeft" && !search.value && !query && unit) {
        event.preventDefault();
        var back = path.querySelectorAll("[data-oa-unit]");
        go(back.length ? back[back.length - 1].getAttribute("data-oa-unit") : "");
      } else if (key === "Backspace" && !search.value) {
        var all = chosen();
        if (all.length) take(all[all.length - 1].value);
      }
    });
    more.addEventListener("click", function () {
      page += 1;
      load(true);
      search.focus();
    });
    box.addEventListener("focusout", function (event) {
      if (!box.contains(event.relatedTarget)) close();
    });
    document.addEventListener("mousedown", function (event) {
      if (box.isConnected && !panel.hidden && !box.contains(event.target)) close();
    });
    drawChips();
    return { element: box, search: search };
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("[data-oa-people]").forEach(function (control) {
      enhance(control);
    });
  }

  window.oaPeoplePicker = Object.freeze({ enhance: enhance, enhanceAll: enhanceAll });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceAll(); });
  } else {
    enhanceAll();
  }
})();
