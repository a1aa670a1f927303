// A run's page: its steps, a histogram of records per level over the run's time, and its records a page at a time
// (never the whole run), coloured by level, filtered by level and text, following the run live while it goes on.
'use strict';

(() => {
  const { el, getJson, duration, dateTime, clock, count, statusBadge } = window.ddls;
  const LEVELS = ['debug', 'info', 'warn', 'error', 'critical'];
  const PAGE = 500;
  /** Records kept in the page at once: scrolling further loads the next page and drops the far end. */
  const MAX_ROWS = 3000;
  const FOLLOW_MS = 1000;
  const DETAIL_MS = 2000;
  const HISTOGRAM_MS = 3000;
  const BUCKETS = 80;

  const runId = decodeURIComponent(location.pathname.split('/').pop());
  const $ = (id) => document.getElementById(id);
  const log = $('log');
  const textInput = $('text');
  const followBox = $('follow');
  const params = new URLSearchParams(location.search);

  const state = {
    detail: undefined,
    step: params.get('step') || null,
    levels: new Set((params.get('levels') || '').split(',').filter((l) => LEVELS.includes(l))),
    text: params.get('text') || '',
    // The loaded window of records: [top, top + rows.length) among the matching ones (local stores know offsets).
    rows: [],
    top: 0,
    total: undefined,
    next: undefined,
    resume: undefined,
    seen: new Set(),
    generation: 0,
    loading: false,
    followChosen: params.has('follow') ? params.get('follow') !== '0' : undefined,
  };
  document.title = `${runId} · dd-logstore`;
  $('run-id').textContent = runId;
  textInput.value = state.text;

  function query(extra) {
    const p = new URLSearchParams();
    if (state.step !== null) p.set('step', state.step);
    if (state.levels.size > 0 && state.levels.size < LEVELS.length) p.set('levels', [...state.levels].join(','));
    if (state.text) p.set('text', state.text);
    for (const [k, v] of Object.entries(extra || {})) if (v !== undefined) p.set(k, v);
    return p;
  }

  function saveAddress() {
    const p = query();
    if (state.followChosen !== undefined) p.set('follow', state.followChosen ? '1' : '0');
    history.replaceState(null, '', p.size ? `?${p}` : location.pathname);
  }

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = !message;
  }

  function showNotices(page) {
    const lines = [...(page.notices || [])];
    if (page.damaged && page.damaged.skipped > 0)
      lines.push(`${page.damaged.skipped} unreadable line(s) skipped in ${page.damaged.files.join(', ')}`);
    if (page.partial) lines.push('Datadog answered "timeout": this page may lack records');
    if (lines.length === 0) return;
    $('notices').textContent = lines.join(' · ');
    $('notices').hidden = false;
  }

  const running = () => state.detail !== undefined && state.detail.status === 'running';
  const following = () => followBox.checked;

  // ---- the run: header, summary, steps ----

  function renderDetail(d) {
    if (d.recorded === false) return renderUnrecorded(d);
    $('run-status').replaceChildren(statusBadge(d));
    const c = d.counts;
    const parts = [
      el('span', {}, 'started ', el('b', { text: dateTime(d.startedAt) })),
      el('span', {}, 'duration ', el('b', { text: duration(d.durationMs) })),
      el(
        'span',
        {},
        'records ',
        el('b', { text: `${count(c.read)} read · ${count(c.delivered)} delivered · ${count(c.spooled)} spooled` }),
      ),
      el('span', {}, 'log store ', el('b', { text: `${d.readFrom.name} (${d.readFrom.flavor})` })),
    ];
    if (d.pipeline) parts.push(el('span', {}, 'pipeline ', el('b', { text: d.pipeline })));
    $('summary').replaceChildren(...parts);
    const stepButton = (name, label, status, title) =>
      el(
        'button',
        {
          type: 'button',
          class: state.step === name ? 'active' : '',
          title,
          'data-step': name === null ? '' : name,
          onclick: () => {
            state.step = name;
            saveAddress();
            renderDetail(d);
            reload();
          },
        },
        status ? el('span', { class: `dot ${status}` }) : null,
        label,
      );
    const named = d.steps.filter((s) => s.name !== null);
    $('steps').replaceChildren(
      stepButton(null, `All steps`, null, 'every step, in time order'),
      ...named.map((s) =>
        stepButton(
          s.name,
          `${s.name} · ${s.status === 'failed' ? `exit ${s.exitCode}` : s.status} · ${duration(s.durationMs)}`,
          s.status,
          s.command,
        ),
      ),
    );
    const explorer = $('explorer');
    explorer.hidden = !d.explorerUrl;
    if (d.explorerUrl) explorer.href = d.explorerUrl;
  }

  /** A run with no run record here, read from the --log-store by its id (a ZenML run shipped to Datadog). */
  function renderUnrecorded(d) {
    $('run-status').replaceChildren(el('span', { class: 'badge', text: 'no run record here' }));
    $('summary').replaceChildren(
      el('span', {}, 'log store ', el('b', { text: `${d.readFrom.name} (${d.readFrom.flavor})` })),
      el('span', {}, 'its records are found by run id; its steps and status are not known here'),
    );
    $('steps').replaceChildren();
    const explorer = $('explorer');
    explorer.hidden = !d.explorerUrl;
    if (d.explorerUrl) explorer.href = d.explorerUrl;
  }

  async function pollDetail() {
    try {
      const wasRunning = running();
      state.detail = await getJson(`/api/runs/${encodeURIComponent(runId)}`);
      renderDetail(state.detail);
      if (state.followChosen === undefined) followBox.checked = running();
      // The run just ended: one last read picks up its final records.
      if (wasRunning && !running()) followOnce();
    } catch (err) {
      showError(`Cannot read run ${runId}: ${err.message}`);
    }
    setTimeout(pollDetail, running() || state.detail === undefined ? DETAIL_MS : DETAIL_MS * 3);
  }

  // ---- records ----

  function recordNode(r) {
    const lines = r.message.split('\n');
    const multi = lines.length > 1;
    const message = el('span', { class: 'm' });
    const collapse = () => {
      message.replaceChildren(
        lines[0],
        el('span', { class: 'more', text: `  ▸ ${lines.length - 1} more line${lines.length === 2 ? '' : 's'}` }),
      );
      if (lines.length > 2) message.append('\n', lines[lines.length - 1]);
    };
    if (multi) collapse();
    else message.textContent = r.message;
    const node = el(
      'div',
      { class: `rec ${r.level}${multi ? ' multi' : ''}`, 'data-level': r.level, 'data-id': r.id },
      el('span', { class: 't', text: clock(r.timestamp), title: new Date(r.timestamp).toISOString() }),
      el('span', { class: 'lv', text: r.level.toUpperCase() }),
      el('span', { class: 'st', text: r.step || '', title: r.step || '' }),
      message,
    );
    let open = false;
    node.addEventListener('click', (e) => {
      if (window.getSelection().toString() !== '') return; // selecting text is not a click
      open = !open;
      if (multi) {
        if (open) message.textContent = r.message;
        else collapse();
      }
      const attrs = node.querySelector('.attrs');
      if (open && !attrs)
        node.append(
          el('div', { class: 'attrs', text: JSON.stringify({ status: r.status, ...r.attributes }, null, 2) }),
        );
      if (!open && attrs) attrs.remove();
      e.stopPropagation();
    });
    return node;
  }

  /** Each loaded record's row, to drop rows without searching the document. */
  const nodes = new Map();
  function nodeOf(r) {
    const node = recordNode(r);
    nodes.set(r, node);
    return node;
  }

  function edge(end) {
    return el('div', { class: `edge ${end}` });
  }

  function renderPosition() {
    const n = state.rows.length;
    $('position').textContent =
      state.total !== undefined
        ? n === 0
          ? `0 of ${count(state.total)} records`
          : `records ${count(state.top + 1)}–${count(state.top + n)} of ${count(state.total)}`
        : `${count(n)} records loaded${state.indexing ? ' (indexing the run…)' : state.next ? ' (scroll for more)' : ''}`;
    $('to-last').hidden = state.total === undefined;
    const top = log.querySelector('.edge.top');
    const bottom = log.querySelector('.edge.bottom');
    if (top) top.textContent = state.top > 0 ? `↑ ${count(state.top)} earlier records` : 'start of the run';
    if (bottom)
      bottom.textContent = state.next
        ? '↓ more records'
        : following() && running()
          ? 'following the run…'
          : n === 0
            ? 'no records match'
            : 'end of the records';
  }

  function atBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  }

  function append(records) {
    const fresh = records.filter((r) => !state.seen.has(r.id));
    if (fresh.length === 0) return;
    const stick = atBottom();
    for (const r of fresh) state.seen.add(r.id);
    state.rows.push(...fresh);
    const bottom = log.querySelector('.edge.bottom');
    const frag = document.createDocumentFragment();
    for (const r of fresh) frag.append(nodeOf(r));
    log.insertBefore(frag, bottom);
    // Keep the page light: drop the oldest rows (they load again on scrolling back), offsets known only locally.
    if (state.total !== undefined && state.rows.length > MAX_ROWS) {
      const drop = state.rows.length - MAX_ROWS;
      const before = log.scrollHeight;
      for (const r of state.rows.splice(0, drop)) {
        state.seen.delete(r.id);
        nodes.get(r)?.remove();
        nodes.delete(r);
      }
      state.top += drop;
      if (!stick) log.scrollTop -= before - log.scrollHeight;
    }
    if (stick && following()) log.scrollTop = log.scrollHeight;
  }

  function prepend(records) {
    const fresh = records.filter((r) => !state.seen.has(r.id));
    const before = log.scrollHeight;
    const frag = document.createDocumentFragment();
    for (const r of fresh) {
      state.seen.add(r.id);
      frag.append(nodeOf(r));
    }
    log.querySelector('.edge.top').after(frag);
    state.rows.unshift(...fresh);
    log.scrollTop += log.scrollHeight - before;
    if (state.rows.length > MAX_ROWS) {
      const drop = state.rows.splice(MAX_ROWS);
      for (const r of drop) {
        state.seen.delete(r.id);
        nodes.get(r)?.remove();
        nodes.delete(r);
      }
      state.next = `o:${state.top + state.rows.length}`;
    }
  }

  async function fetchPage(cursor, limit) {
    const p = query({ cursor, limit: String(limit || PAGE) });
    const page = await getJson(`/api/runs/${encodeURIComponent(runId)}/records?${p}`);
    showNotices(page);
    return page;
  }

  async function reload(cursor) {
    const generation = ++state.generation;
    state.loading = true;
    try {
      const start = cursor !== undefined ? cursor : following() && running() ? 'end' : undefined;
      const page = await fetchPage(start);
      if (generation !== state.generation) return;
      Object.assign(state, {
        rows: [],
        seen: new Set(),
        top: page.offset || 0,
        total: page.total,
        next: page.next,
        resume: page.resume,
        indexing: page.indexing === true,
      });
      nodes.clear();
      log.replaceChildren(edge('top'), edge('bottom'));
      append(page.records);
      showError('');
      if (start === 'end') log.scrollTop = log.scrollHeight;
      else log.scrollTop = 0;
    } catch (err) {
      showError(`Cannot read the records: ${err.message}`);
    } finally {
      if (generation === state.generation) state.loading = false;
      renderPosition();
    }
  }

  async function loadNext() {
    if (state.loading || !state.next) return;
    const generation = state.generation;
    state.loading = true;
    try {
      const page = await fetchPage(state.next);
      if (generation !== state.generation) return;
      state.next = page.next;
      state.resume = page.resume;
      state.indexing = page.indexing === true;
      if (page.total !== undefined) state.total = page.total;
      append(page.records);
    } catch (err) {
      showError(`Cannot read the records: ${err.message}`);
    } finally {
      if (generation === state.generation) state.loading = false;
      renderPosition();
    }
  }

  async function loadPrev() {
    if (state.loading || state.total === undefined || state.top === 0) return;
    const generation = state.generation;
    state.loading = true;
    try {
      const from = Math.max(0, state.top - PAGE);
      const page = await fetchPage(`o:${from}`, state.top - from);
      if (generation !== state.generation) return;
      state.top = from;
      prepend(page.records);
    } catch (err) {
      showError(`Cannot read the records: ${err.message}`);
    } finally {
      if (generation === state.generation) state.loading = false;
      renderPosition();
    }
  }

  /** New records since the last read: the end of the matching records (local) or the newest seen (Datadog). */
  async function followOnce() {
    if (state.loading || state.next) return;
    // The first read failed (the run had not started writing yet): start over.
    if (state.resume === undefined) return reload();
    const generation = state.generation;
    state.loading = true;
    try {
      const page = await fetchPage(state.resume);
      if (generation !== state.generation) return;
      state.resume = page.resume;
      if (page.next) state.next = page.next;
      if (page.total !== undefined) state.total = page.total;
      append(page.records);
      showError('');
    } catch (err) {
      showError(`Cannot read the records: ${err.message}`);
    } finally {
      if (generation === state.generation) state.loading = false;
      renderPosition();
    }
  }

  /** While the server indexes a large run, the first pages come without a total: ask for it until it is known. */
  async function probeTotal() {
    if (state.loading) return;
    const generation = state.generation;
    try {
      const page = await fetchPage(`o:${state.top + state.rows.length}`, 1);
      if (generation !== state.generation) return;
      state.indexing = page.indexing === true;
      if (page.total !== undefined) state.total = page.total;
      if (!page.next && !page.indexing && page.records.length === 0) state.next = undefined;
    } catch {
      // the next probe tries again
    }
    renderPosition();
  }

  async function followLoop() {
    if (state.indexing) await probeTotal();
    else if (following()) await followOnce();
    setTimeout(followLoop, FOLLOW_MS);
  }

  log.addEventListener('scroll', () => {
    if (log.scrollHeight - log.scrollTop - log.clientHeight < 400) loadNext();
    if (log.scrollTop < 300) loadPrev();
  });

  // ---- the histogram ----

  const SVG = 'http://www.w3.org/2000/svg';
  let histogramTimer;

  async function drawHistogram() {
    clearTimeout(histogramTimer);
    try {
      const h = await getJson(
        `/api/runs/${encodeURIComponent(runId)}/histogram?${query({ buckets: String(BUCKETS) })}`,
      );
      const svg = $('histogram');
      const n = h.counts.length;
      const max = Math.max(1, ...h.counts.map((c) => c.reduce((a, b) => a + b, 0)));
      svg.setAttribute('viewBox', `0 0 ${n * 10} 100`);
      svg.setAttribute('preserveAspectRatio', 'none');
      const bars = [];
      const totals = LEVELS.map(() => 0);
      h.counts.forEach((c, i) => {
        let y = 100;
        c.forEach((v, l) => {
          totals[l] += v;
          if (v === 0) return;
          const height = Math.max(1.5, (v / max) * 96);
          y -= height;
          const rect = document.createElementNS(SVG, 'rect');
          rect.setAttribute('x', String(i * 10 + 1));
          rect.setAttribute('width', '8');
          rect.setAttribute('y', String(y));
          rect.setAttribute('height', String(height));
          rect.setAttribute('class', h.levels[l]);
          const title = document.createElementNS(SVG, 'title');
          title.textContent = `${clock(h.from + i * h.bucketMs)}: ${count(v)} ${h.levels[l]}`;
          rect.append(title);
          bars.push(rect);
        });
      });
      svg.replaceChildren(...bars);
      $('axis-from').textContent = n && h.to ? dateTime(new Date(h.from).toISOString()) : '';
      $('axis-to').textContent =
        n && h.to
          ? `${dateTime(new Date(h.to).toISOString())}${h.capped ? ` · first ${count(h.capped.counted)} records` : ''}`
          : '';
      renderLevels(totals);
    } catch (err) {
      showError(`Cannot draw the histogram: ${err.message}`);
    }
    if (running()) histogramTimer = setTimeout(drawHistogram, HISTOGRAM_MS);
  }

  // ---- filters ----

  function renderLevels(totals) {
    $('levels').replaceChildren(
      ...LEVELS.map((l, i) => {
        const box = el('input', { type: 'checkbox', value: l, 'data-level': l });
        box.checked = state.levels.size === 0 || state.levels.has(l);
        box.addEventListener('change', onLevels);
        return el(
          'label',
          { class: `level ${l}` },
          box,
          el('span', { class: 'lv', text: l }),
          totals ? el('span', { class: 'count', text: count(totals[i]) }) : null,
        );
      }),
    );
  }

  function onLevels(e) {
    const checked = [...document.querySelectorAll('#levels input:checked')].map((b) => b.value);
    if (checked.length === 0) {
      e.target.checked = true; // at least one level: an empty set would show nothing
      return;
    }
    state.levels = new Set(checked.length === LEVELS.length ? [] : checked);
    saveAddress();
    reload();
    drawHistogram();
  }

  let textTimer;
  textInput.addEventListener('input', () => {
    clearTimeout(textTimer);
    textTimer = setTimeout(() => {
      state.text = textInput.value;
      saveAddress();
      reload();
      drawHistogram();
    }, 300);
  });
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  followBox.addEventListener('change', () => {
    state.followChosen = followBox.checked;
    saveAddress();
    if (followBox.checked) reload();
  });
  $('to-first').addEventListener('click', () => {
    followBox.checked = false;
    state.followChosen = false;
    saveAddress();
    reload(undefined);
  });
  $('to-last').addEventListener('click', () => reload('end'));

  renderLevels();
  (async () => {
    await pollDetail();
    if (state.followChosen !== undefined) followBox.checked = state.followChosen;
    await reload();
    drawHistogram();
    followLoop();
  })();
})();
