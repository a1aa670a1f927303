// Shared by the ui's pages: fetching the server's JSON (the token travels in an HttpOnly cookie), building
// elements without innerHTML (record text is never markup), and formatting times and durations.
'use strict';

window.ddls = {
  async getJson(path) {
    const res = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: text.trim() };
    }
    if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
    return body;
  },

  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== undefined && c !== null) node.append(c);
    return node;
  },

  duration(ms) {
    if (!Number.isFinite(ms)) return '';
    if (ms < 1000) return `${Math.round(ms)} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
    return `${Math.floor(m / 60)}h ${m % 60}m`;
  },

  dateTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
  },

  /** `12:03:04.123` for a record's time. */
  clock(ms) {
    const d = new Date(ms);
    if (Number.isNaN(d.getTime())) return '-';
    const p = (n, w = 2) => String(n).padStart(w, '0');
    return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  },

  count(n) {
    return Number(n).toLocaleString('en-US');
  },

  statusBadge(run) {
    const label =
      run.status === 'failed' && run.exitCode !== null
        ? `failed (exit ${run.exitCode})`
        : run.status === 'interrupted' && run.signal
          ? `interrupted (${run.signal})`
          : run.status;
    return window.ddls.el('span', { class: `badge ${run.status}`, text: label, 'data-status': run.status });
  },
};
