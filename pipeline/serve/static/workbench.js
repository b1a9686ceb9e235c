// ghminer workbench: correction controls on a report page. Text from reports is only
// ever set with textContent / value, never as HTML.
"use strict";
(function () {
  const facts = JSON.parse(document.getElementById("ghminer-facts").textContent);
  const report = JSON.parse(document.getElementById("ghminer-report").textContent);
  const csrf = document.querySelector('meta[name="ghminer-csrf"]').content;
  const panel = document.getElementById("wb-panel");
  const errorBox = document.getElementById("wb-error");

  // the editable fields of each fact type, and their kind
  const FIELDS = {
    count: { value: "number", unit: "text", metric: "text", approx: "bool" },
    rate: { value: "number", metric: "text" },
    amount: { value: "number", currency: "text", approx: "bool" },
    award: { name: "text", level: "text", recipient: "text", rank: "text" },
    activity: { date: "text", activity_type: "text" },
    placeholder: {},
  };
  const TYPE_ZH = { count: "数量", rate: "比率", amount: "金额", award: "荣誉", activity: "活动", placeholder: "占位符" };

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function showError(msg) {
    errorBox.textContent = "更正未保存：" + msg;
    errorBox.scrollIntoView({ block: "center" });
  }

  async function post(body, reload = true) {
    if (!csrf) { showError("需要令牌（用启动时打印的地址打开工作台）"); return false; }
    let r;
    try {
      r = await fetch("/api/corrections", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(Object.assign({ report_id: report.id }, body)),
      });
    } catch (e) { showError(String(e)); return false; }
    if (!r.ok) {
      const j = await r.json().catch(() => ({}));
      showError(typeof j.detail === "string" ? j.detail : "HTTP " + r.status);
      return false;
    }
    if (reload) location.reload();
    return true;
  }

  function parse(kind, input) {
    if (kind === "bool") return input.checked;
    const v = input.value.trim();
    if (kind === "number") return v === "" ? null : Number(v);
    return v === "" ? null : v;
  }

  // a small form of a fact's fields; onSave(values) with every field's value
  function openForm(title, type, values, onSave, withType) {
    panel.replaceChildren();
    panel.appendChild(el("strong", {}, title));
    let typeSelect = null;
    const box = el("div", { id: "wb-fields-box" });
    function fill(t) {
      box.replaceChildren();
      for (const [name, kind] of Object.entries(FIELDS[t])) {
        const label = el("label", {}, name + " ");
        const input = el("input", { name: name, type: kind === "bool" ? "checkbox" : "text" });
        if (kind === "bool") input.checked = !!values[name];
        else input.value = values[name] === null || values[name] === undefined ? "" : String(values[name]);
        label.appendChild(input);
        box.appendChild(label);
      }
    }
    if (withType) {
      typeSelect = el("select", { name: "type", id: "wb-type" });
      for (const t of Object.keys(FIELDS)) typeSelect.appendChild(el("option", { value: t }, TYPE_ZH[t]));
      typeSelect.value = type;
      typeSelect.addEventListener("change", () => fill(typeSelect.value));
      const l = el("label", {}, "类型 ");
      l.appendChild(typeSelect);
      panel.appendChild(l);
    }
    fill(type);
    panel.appendChild(box);
    const save = el("button", { type: "button", id: "wb-save" }, "保存");
    const cancel = el("button", { type: "button" }, "取消");
    save.addEventListener("click", () => {
      const t = typeSelect ? typeSelect.value : type;
      const out = {};
      for (const [name, kind] of Object.entries(FIELDS[t])) {
        out[name] = parse(kind, box.querySelector(`input[name="${name}"]`));
      }
      onSave(t, out);
    });
    cancel.addEventListener("click", () => { panel.hidden = true; });
    panel.appendChild(save);
    panel.appendChild(cancel);
    panel.hidden = false;
  }

  // --- reject / edit, on each row of the fact table --------------------------------
  const rows = document.querySelectorAll("#facts table tbody tr");
  rows.forEach((row, i) => {
    const f = facts[i];
    if (!f) return;
    row.classList.add("prov-" + f.provenance);
    const cell = el("td", { class: "wb-actions" });
    const reject = el("button", { type: "button", class: "wb-reject", "data-fact": String(i + 1) }, "驳回");
    reject.addEventListener("click", () => {
      if (confirm("驳回这条事实？\n" + f.text)) {
        post({ action: "reject_fact", fact: { type: f.type, start: f.start, end: f.end } });
      }
    });
    const edit = el("button", { type: "button", class: "wb-edit", "data-fact": String(i + 1) }, "修改");
    edit.addEventListener("click", () => {
      openForm("修改：" + f.text, f.type, f.fields, (t, values) => {
        const after = {};
        for (const [k, v] of Object.entries(values)) {
          if (v !== (f.fields[k] === undefined ? null : f.fields[k])) after[k] = v;
        }
        if (Object.keys(after).length === 0) { panel.hidden = true; return; }
        post({ action: "edit_fact", fact: { type: f.type, start: f.start, end: f.end }, after: after });
      }, false);
    });
    cell.appendChild(reject);
    cell.appendChild(edit);
    row.appendChild(cell);
  });
  const head = document.querySelector("#facts table thead tr");
  if (head) head.appendChild(el("th", {}, "更正"));

  // --- add a fact by selecting text in the source --------------------------------------
  const pre = document.querySelector("pre.source");
  function codePoints(s) { return Array.from(s).length; }
  function offsetOf(node, offset) {
    const r = document.createRange();
    r.selectNodeContents(pre);
    r.setEnd(node, offset);
    return codePoints(r.toString());
  }
  if (pre) {
    pre.addEventListener("mouseup", () => {
      const sel = window.getSelection();
      if (!sel || sel.isCollapsed || sel.rangeCount === 0) return;
      const range = sel.getRangeAt(0);
      if (!pre.contains(range.startContainer) || !pre.contains(range.endContainer)) return;
      const text = range.toString();
      if (!text.trim()) return;
      const start = report.start + offsetOf(range.startContainer, range.startOffset);
      const end = start + codePoints(text);
      const guess = { value: (text.match(/\d+(\.\d+)?/) || [null])[0], unit: text.slice(-1),
                      metric: "other", currency: "CNY", name: text, level: "unknown",
                      activity_type: "other" };
      openForm("新增事实：" + text, "count", guess, (t, values) => {
        const fact = Object.assign({ type: t, start: start, end: end, text: text }, values);
        for (const k of Object.keys(fact)) if (fact[k] === null) delete fact[k];
        if (t === "count" || t === "rate" || t === "amount") {
          if (!("value" in fact)) fact.value = null;
        }
        post({ action: "add_fact", after: fact });
      }, true);
    });
  }

  // --- sections present / absent -------------------------------------------------------
  document.querySelectorAll("#wb-sections input[type=checkbox]").forEach((box) => {
    box.addEventListener("change", () => {
      post({ action: "set_section", after: { label: box.dataset.label, present: box.checked } });
    });
  });

  // --- org / branch / district ----------------------------------------------------------
  const fieldsForm = document.getElementById("wb-fields");
  if (fieldsForm) {
    fieldsForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      let saved = false;
      for (const input of fieldsForm.querySelectorAll("input")) {
        const v = input.value.trim();
        if (v !== input.dataset.current) {
          if (!await post({ action: "set_report_field", after: { field: input.name, value: v || null } }, false)) return;
          saved = true;
        }
      }
      if (saved) location.reload();
    });
  }
})();
