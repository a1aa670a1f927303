// The runs page: every run of this home, newest first, re-read every 2 s so running runs move on their own.
'use strict';

(() => {
  const { el, getJson, duration, dateTime, count, statusBadge } = window.ddls;
  const text = document.getElementById('text');
  const status = document.getElementById('status');
  const rows = document.getElementById('rows');
  const empty = document.getElementById('empty');
  const error = document.getElementById('error');
  const counter = document.getElementById('count');
  const updated = document.getElementById('updated');
  const POLL_MS = 2000;
  let runs = [];

  // Filters live in the address, so a filtered view can be reloaded and shared (the token is in a cookie).
  const params = new URLSearchParams(location.search);
  text.value = params.get('q') || '';
  status.value = params.get('status') || '';

  function matches(run) {
    if (status.value && run.status !== status.value) return false;
    const q = text.value.trim().toLowerCase();
    if (!q) return true;
    const hay = [
      run.runId,
      run.pipeline || '',
      run.logStore.name,
      ...run.steps.map((s) => `${s.name || ''} ${s.command}`),
    ]
      .join(' ')
      .toLowerCase();
    return hay.includes(q);
  }

  function render() {
    const shown = runs.filter(matches);
    rows.replaceChildren(
      ...shown.map((run) =>
        el(
          'tr',
          { 'data-run-id': run.runId },
          el('td', { class: 'run' }, el('a', { href: `/runs/${encodeURIComponent(run.runId)}`, text: run.runId })),
          el('td', {}, statusBadge(run)),
          el('td', { text: run.steps.map((s) => s.name || '(no step)').join(', ') }),
          el('td', { text: dateTime(run.startedAt), title: run.startedAt }),
          el('td', { class: 'num', text: duration(run.durationMs) }),
          el('td', { class: 'num', text: count(run.counts.read) }),
          el('td', { class: 'num', text: count(run.counts.delivered) }),
          el('td', { class: 'num', text: count(run.counts.spooled) }),
          el('td', { text: `${run.logStore.name} (${run.logStore.flavor})` }),
        ),
      ),
    );
    empty.hidden = runs.length > 0;
    counter.textContent = runs.length === 0 ? '' : `${shown.length} of ${runs.length} runs`;
  }

  async function poll() {
    try {
      runs = (await getJson('/api/runs')).runs;
      error.hidden = true;
      updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
      render();
    } catch (err) {
      error.textContent = `Cannot read the runs: ${err.message}`;
      error.hidden = false;
    }
    setTimeout(poll, POLL_MS);
  }

  function onFilter() {
    const p = new URLSearchParams();
    if (text.value) p.set('q', text.value);
    if (status.value) p.set('status', status.value);
    history.replaceState(null, '', p.size ? `?${p}` : location.pathname);
    render();
  }
  text.addEventListener('input', onFilter);
  status.addEventListener('change', onFilter);
  document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());
  poll();
})();
