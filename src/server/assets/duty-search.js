/*
 * duty-search: the search box over the township's duty lists.
 *
 * One script for four places:
 *   - the search page (/) and its compact version for an iframe (/embed), which hold an element
 *     with data-duty-search="page" or "embed"; the server renders the page's form (and the
 *     results of /?q=…) for browsers without JavaScript, and the box replaces them;
 *   - an item's page (/items/{id}), whose 复制到工单 button it runs;
 *   - another site's page, as /widget.js: <script src="http://HOST:PORT/widget.js"
 *     data-target="#duty-search"></script> renders the box into that element (in a shadow root,
 *     so the host page's styles and ours stay apart) and calls the API of the origin it was
 *     loaded from, cross-origin.
 *
 * Item text and the query are only ever set as text. The one markup taken from the server is its
 * highlights (HTML-escaped text with <mark> around matches), and even those are rebuilt from text
 * and <mark> elements rather than parsed as HTML.
 */
(function () {
  'use strict';

  const script = document.currentScript;
  const API = new URL(script.src, document.baseURI).origin;

  /** The three lists: their badge and what they mean for ownership. */
  const LISTS = [
    { key: 'basic', badge: '基本履职', meaning: '本镇负责' },
    { key: 'coop', badge: '配合履职', meaning: '上级部门牵头，本镇配合' },
    { key: 'withdrawn', badge: '上级部门收回', meaning: '已由上级部门承接，本镇不再负责' },
  ];
  const LIST_BY_KEY = Object.fromEntries(LISTS.map((list) => [list.key, list]));
  const PAGE_SIZE = 20;
  const TYPING_DELAY_MS = 250;
  const SETTLE_MS = 1500;
  const MAX_QUERY = 2000;
  /** Longer queries (a pasted letter or work order) are sent as a JSON body, not in the URL. */
  const POST_FROM_CHARS = 300;
  const CONFIDENCE = {
    high: { text: '把握大', meaning: '与最佳结果得分接近，多数情况下即为所查事项' },
    medium: { text: '可参考', meaning: '得分明显低于最佳结果，约一半情况下相关' },
    low: { text: '把握小', meaning: '得分远低于最佳结果，多数情况下并不相关' },
  };
  const LONG_TEXT = 90;
  /** The status line shows a query longer than LONG_QUERY as its first SHOWN_QUERY characters
   *  and its length. */
  const LONG_QUERY = 40;
  const SHOWN_QUERY = 20;
  /** Expansions shown before 更多. */
  const SHOWN_EXPANSIONS = 5;
  /** The box shows how many characters are left from here. */
  const COUNTER_FROM = MAX_QUERY - 200;
  const TOAST_MS = 2500;
  /** Recent searches kept in this browser (localStorage), never sent anywhere. */
  const RECENT_KEY = 'duty-search:recent';
  const RECENT_COUNT = 10;
  const EXAMPLES = ['燃气', '婚姻登记', '楼道里有人给电动车飞线充电', '民政局', '低保'];

  let mounted = 0;

  /** An element with attributes (`text` sets its text) and children (strings become text). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'text') node.textContent = value;
      else if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

  /** The server's highlight (escaped text, <mark> only) as text nodes and <mark> elements. */
  function highlighted(escaped) {
    const fragment = document.createDocumentFragment();
    const unescape = (text) => text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
    escaped.split('</mark>').forEach((piece) => {
      const at = piece.indexOf('<mark>');
      const before = at < 0 ? piece : piece.slice(0, at);
      if (before) fragment.append(document.createTextNode(unescape(before)));
      if (at >= 0) fragment.append(el('mark', { text: unescape(piece.slice(at + 6)) }));
    });
    return fragment;
  }

  /** A field of a hit: its highlight when the server marked something in it, else its text. */
  function field(hit, name) {
    const marked = hit.highlights && hit.highlights[name];
    return marked ? highlighted(marked) : document.createTextNode(hit[name]);
  }

  function isLong(text) {
    return text.length > LONG_TEXT || text.split('\n').length > 3;
  }

  /** What a hit's two duty texts are called in its list. */
  function dutySections(hit) {
    const sections = [];
    const townDuties = hit.town_duties.trim();
    if (townDuties && townDuties !== hit.title.trim()) {
      sections.push({ name: 'town_duties', heading: hit.list === 'coop' ? '镇配合职责' : '镇职责' });
    }
    if (hit.department_duties.trim()) {
      sections.push({
        name: 'department_duties',
        heading: hit.list === 'withdrawn' ? '承接部门及履职方式' : '上级部门职责',
      });
    }
    return sections;
  }

  /** An item's page on the server. */
  function itemUrl(id) {
    return `${API}/items/${encodeURIComponent(id)}`;
  }

  /** The plain-text summary a copy button puts on the clipboard, for a work order. */
  function summary(hit) {
    const lines = [
      `事项：${hit.title}`,
      `清单：${hit.list_label}（${hit.category}）`,
      `责任：${hit.owner_statement}`,
    ];
    for (const section of dutySections(hit)) lines.push(`${section.heading}：${hit[section.name].trim()}`);
    lines.push(`编号：${hit.id}`, `链接：${itemUrl(hit.id)}`);
    return lines.join('\n');
  }

  /** The first characters of a long query and its length, so a pasted letter stays one line. */
  function shortQuery(query) {
    const chars = Array.from(query);
    return chars.length <= LONG_QUERY ? query : `${chars.slice(0, SHOWN_QUERY).join('')}…（共 ${chars.length} 字）`;
  }

  /** Says `text` for a moment without taking the status line's place or the focus. */
  function toast(within, text) {
    let note = within.querySelector('.ds-toast');
    if (!note) {
      note = el('p', { class: 'ds-toast', role: 'status' });
      within.append(note);
    }
    note.textContent = text;
    note.hidden = false;
    clearTimeout(note.timer);
    note.timer = setTimeout(() => {
      note.hidden = true;
    }, TOAST_MS);
  }

  /** Copies a summary, says so in a toast and keeps the focus on the button that asked. */
  async function copySummary(button, item, within) {
    const done = await copyText(summary(item), within);
    button.focus();
    toast(within, done ? `已复制“${item.title.slice(0, 20)}”的摘要` : '复制失败，请手动选择文字复制');
  }

  /**
   * 「匹配：…」: the concepts of the query a hit matched, strongest first, and through what;
   * and 与已确认的来件相似 when a phrasing staff confirmed for the duty matched.
   */
  function matchLine(hit) {
    const explanation = hit.explanation;
    if (!explanation) return '';
    const matched = explanation.concepts
      .filter((concept) => concept.matched)
      .sort((a, b) => b.weight - a.weight)
      .slice(0, 4)
      .map((concept) => {
        const term = concept.matched.term;
        return term === concept.concept ? concept.concept : `${concept.concept}（${term}）`;
      });
    const said = [...(matched.length ? [matched.join('、')] : []), ...(explanation.note ? [explanation.note] : [])];
    return said.length ? `匹配：${said.join('；')}` : '';
  }

  /** Recent searches of this browser, newest first. */
  function recentSearches() {
    try {
      const saved = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]');
      return Array.isArray(saved) ? saved.filter((q) => typeof q === 'string').slice(0, RECENT_COUNT) : [];
    } catch (error) {
      return [];
    }
  }

  function saveRecent(searches) {
    try {
      if (searches.length) localStorage.setItem(RECENT_KEY, JSON.stringify(searches.slice(0, RECENT_COUNT)));
      else localStorage.removeItem(RECENT_KEY);
    } catch (error) {
      // Storage off (a locked-down browser): nothing is remembered.
    }
  }

  function rememberSearch(query) {
    const text = query.trim();
    if (text) saveRecent([text, ...recentSearches().filter((q) => q !== text)]);
  }

  /** Puts `text` on the clipboard; the fallback works on plain-http intranet hosts too. */
  async function copyText(text, within) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (error) {
        // Refused (no permission): fall back to a selection.
      }
    }
    const area = el('textarea', { class: 'ds-copy-buffer', readonly: true, 'aria-hidden': 'true' });
    area.value = text;
    within.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch (error) {
      copied = false;
    }
    area.remove();
    return copied;
  }

  // --- confirming the right duty: 「✓ 就是这条」 on each card, 「都不对」 with a picker under the list ---

  /**
   * The confirmation controls of one search box: `answered()` gives the query the results
   * answer and the ids shown, in order. A confirmation is one click, posted to /api/feedback
   * and acknowledged in a toast; nothing about the clerk is sent.
   */
  function confirmations(root, answered) {
    const say = (text) => toast(root, text);

    async function send(itemId) {
      const { query, shown } = answered();
      try {
        const response = await fetch(`${API}/api/feedback`, {
          method: 'POST',
          credentials: 'omit',
          headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
          body: JSON.stringify({ query, item_id: itemId, shown }),
        });
        const body = await response.json().catch(() => null);
        if (!response.ok) throw new Error(body && body.error ? body.error : `HTTP ${response.status}`);
        return true;
      } catch (error) {
        say(`未能记录：${error.message}`);
        return false;
      }
    }

    /** 「✓ 就是这条」 for the card of `hit`. */
    function cardButton(hit) {
      const button = el('button', {
        class: 'ds-confirm',
        type: 'button',
        text: '✓ 就是这条',
        title: '确认这条职责对应本次来件，供管理员审核后用于改进搜索',
      });
      button.addEventListener('click', async () => {
        button.disabled = true;
        if (await send(hit.id)) {
          button.textContent = '✓ 已确认';
          say(`已记录：“${hit.title.slice(0, 20)}”对应本次来件，谢谢`);
        } else {
          button.disabled = false;
        }
      });
      return button;
    }

    /** 「都不对」 and its picker, to go under a list of results. */
    function noneFits() {
      const none = el('button', { class: 'ds-none-fits', type: 'button', text: '都不对' });
      const pickerInput = el('input', {
        class: 'ds-pick-input',
        type: 'search',
        autocomplete: 'off',
        placeholder: '搜索正确的事项（可不填）',
        'aria-label': '搜索正确的事项',
      });
      const choices = el('ul', { class: 'ds-pick-choices' });
      const picker = el('div', { class: 'ds-picker', hidden: true }, pickerInput, choices);
      none.addEventListener('click', async () => {
        none.disabled = true;
        if (await send(null)) {
          say('已记录：以上结果都不对。可以在下面指明正确的事项');
          picker.hidden = false;
          pickerInput.focus();
        } else {
          none.disabled = false;
        }
      });
      let pickTimer = 0;
      pickerInput.addEventListener('input', () => {
        clearTimeout(pickTimer);
        pickTimer = setTimeout(async () => {
          const q = pickerInput.value.trim();
          if (!q) return choices.replaceChildren();
          const response = await fetch(`${API}/api/search?${new URLSearchParams({ q, limit: '5' })}`, {
            credentials: 'omit',
            headers: { Accept: 'application/json' },
          }).catch(() => null);
          const body = response && response.ok ? await response.json() : { hits: [] };
          choices.replaceChildren(
            ...body.hits.map((hit) => {
              const pick = el('button', { class: 'ds-pick', type: 'button', 'data-id': hit.id, text: `${hit.id} ${hit.title.slice(0, 40)}` });
              pick.addEventListener('click', async () => {
                if (await send(hit.id)) {
                  say(`已记录：正确的事项是“${hit.title.slice(0, 20)}”，谢谢`);
                  picker.hidden = true;
                }
              });
              return el('li', {}, pick);
            }),
          );
        }, TYPING_DELAY_MS);
      });
      return el('div', { class: 'ds-feedback' }, none, picker);
    }

    return { cardButton, noneFits };
  }

  /** Builds the search box into `container` and runs it. */
  function mount(container, mode) {
    mounted += 1;
    const id = (name) => `ds-${name}-${mounted}`;
    const usesUrl = mode !== 'widget';
    const state = { q: '', list: '', category: '', department: '', offset: 0 };
    let typingTimer = 0;
    let settleTimer = 0;
    let departmentTimer = 0;
    let composing = false;
    let request = null;
    let sequence = 0;
    let hits = [];
    let pasteCut = 0;

    const input = el('input', {
      id: id('q'),
      class: 'ds-input',
      type: 'search',
      name: 'q',
      autocomplete: 'off',
      spellcheck: 'false',
      enterkeyhint: 'search',
      maxlength: MAX_QUERY,
      placeholder: '关键词、部门或诉求，如：燃气、婚姻登记',
      'aria-controls': id('results'),
      'aria-describedby': mode === 'widget' ? null : id('keys'),
    });
    const form = el(
      'form',
      { class: 'ds-form', role: 'search', 'aria-label': '职责事项搜索' },
      el('label', { class: 'ds-label', for: id('q'), text: '查一件事归谁管' }),
      el('div', { class: 'ds-box' }, input, el('button', { class: 'ds-submit', type: 'submit', text: '搜索' })),
      el('p', { class: 'ds-counter', id: id('counter'), 'aria-live': 'polite', hidden: true }),
      mode === 'widget'
        ? null
        : el('p', { class: 'ds-keys', id: id('keys'), text: '快捷键：/ 回到搜索框，↑ ↓ 在结果间移动，回车展开全文' }),
    );

    const chips = el('div', { class: 'ds-chips', role: 'group', 'aria-label': '按清单筛选' });
    const category = el('select', { id: id('category'), class: 'ds-select' });
    const department = el('input', {
      id: id('department'),
      class: 'ds-department',
      type: 'search',
      autocomplete: 'off',
      list: id('departments'),
      placeholder: '如：民政局',
    });
    const departments = el('datalist', { id: id('departments') });
    const clear = el('button', { class: 'ds-clear', type: 'button', text: '清除筛选', hidden: true });
    const filters = el(
      'div',
      { class: 'ds-filters', hidden: true },
      chips,
      el(
        'div',
        { class: 'ds-fields' },
        el('label', { class: 'ds-field', for: id('category') }, el('span', { text: '类别' }), category),
        el('label', { class: 'ds-field', for: id('department') }, el('span', { text: '部门' }), department),
        departments,
        clear,
      ),
    );
    const counter = form.querySelector('.ds-counter');
    // The status line is seen; what a screen reader hears after a search is the count only.
    const status = el('p', { class: 'ds-status' });
    const announcer = el('p', { class: 'ds-announcer', role: 'status', 'aria-live': 'polite' });
    const alsoTerms = el('span', { class: 'ds-also' });
    const alsoMore = el('button', { class: 'ds-also-more', type: 'button', 'aria-expanded': 'false', text: '更多' });
    const expansions = el('p', { class: 'ds-expansions', hidden: true }, alsoTerms, alsoMore);
    const doubt = el('p', { class: 'ds-doubt', hidden: true, text: '可能都不相关：这些结果与最佳可能的匹配相差很远，请换一种说法或只输入关键词。' });
    const message = el('div', { class: 'ds-message' });
    const heading = el('h2', { class: 'ds-results-heading', text: '搜索结果' });
    const results = el('ol', { class: 'ds-results', id: id('results'), 'aria-label': '搜索结果' });
    const more = el('button', { class: 'ds-more', type: 'button', hidden: true });
    const footer =
      mode === 'page'
        ? null
        : el(
            'p',
            { class: 'ds-footer' },
            el('a', { class: 'ds-open', href: `${API}/`, target: '_blank', rel: 'noopener', text: '在完整搜索页中打开 ↗' }),
          );
    const root = el(
      'div',
      { class: `ds ds-${mode}` },
      form,
      filters,
      status,
      announcer,
      expansions,
      doubt,
      message,
      heading,
      results,
      more,
      footer,
    );
    // The server's form (and results) for browsers without JavaScript give way to the box.
    container.replaceChildren(root);
    const confirm = confirmations(root, () => ({
      query: root.getAttribute('data-answered') || '',
      shown: hits.map((hit) => hit.id),
    }));

    // --- the URL (page and embed): ?q=…&list=…&category=…&department=… ---

    /** `?q=…&list=…&category=…&department=…` of the current search, or ''. */
    function queryString() {
      const params = new URLSearchParams();
      for (const name of ['q', 'list', 'category', 'department']) {
        if (state[name]) params.set(name, state[name]);
      }
      const query = params.toString();
      return query ? `?${query}` : '';
    }

    function urlOf() {
      return location.pathname + queryString();
    }

    /** The widget's and the iframe's link to the full page opens it on the same search. */
    function updateOpenLink() {
      if (footer) footer.querySelector('.ds-open').href = `${API}/${queryString()}`;
    }

    function readUrl() {
      const params = new URLSearchParams(location.search);
      state.q = (params.get('q') || '').slice(0, MAX_QUERY);
      state.list = LIST_BY_KEY[params.get('list')] ? params.get('list') : '';
      state.category = params.get('category') || '';
      state.department = params.get('department') || '';
      input.value = state.q;
      department.value = state.department;
    }

    /**
     * Keeps the URL in step. Typing replaces one "draft" entry, which settles after a pause or on
     * Enter; any other search (a filter, a suggestion) gets an entry of its own, so back and
     * forward step through searches, not keystrokes. The iframe version only replaces its URL.
     */
    function remember(how) {
      if (!usesUrl) return;
      clearTimeout(settleTimer);
      const url = urlOf();
      const current = location.pathname + location.search;
      const draft = Boolean(history.state && history.state.draft);
      if (mode === 'embed') {
        history.replaceState(null, '', url);
      } else if (how === 'typing') {
        if (draft || url === current) history.replaceState({ draft: true }, '', url);
        else history.pushState({ draft: true }, '', url);
        settleTimer = setTimeout(() => {
          history.replaceState({ draft: false }, '', urlOf());
          rememberSearch(state.q);
        }, SETTLE_MS);
      } else if (url === current) {
        history.replaceState({ draft: false }, '', url);
      } else {
        history.pushState({ draft: false }, '', url);
      }
      if (mode === 'page') document.title = state.q ? `${shortQuery(state.q)} - 职责事项查询` : '职责事项查询';
      if (how === 'settled') rememberSearch(state.q);
    }

    // --- searching ---

    function searchParams(offset) {
      const params = { q: state.q, limit: String(PAGE_SIZE), offset: String(offset), explain: 'true' };
      for (const name of ['list', 'category', 'department']) {
        if (state[name]) params[name] = state[name];
      }
      return params;
    }

    async function fetchSearch(offset) {
      if (request) request.abort();
      request = new AbortController();
      const params = searchParams(offset);
      const long = state.q.length > POST_FROM_CHARS;
      const response = await fetch(long ? `${API}/api/search` : `${API}/api/search?${new URLSearchParams(params)}`, {
        method: long ? 'POST' : 'GET',
        signal: request.signal,
        credentials: 'omit',
        headers: long ? { Accept: 'application/json', 'Content-Type': 'application/json' } : { Accept: 'application/json' },
        body: long ? JSON.stringify(params) : undefined,
      });
      let body = null;
      try {
        body = await response.json();
      } catch (error) {
        body = null;
      }
      if (!response.ok || !body) {
        throw new Error(body && body.error ? body.error : `HTTP ${response.status}`);
      }
      return body;
    }

    /** Runs the current search from the first page; `how` says what to do with the URL. */
    async function search(how) {
      clearTimeout(typingTimer);
      state.offset = 0;
      if (how) remember(how);
      updateOpenLink();
      const mine = ++sequence;
      const query = state.q;
      if (!query.trim()) {
        if (request) request.abort();
        showIntro();
        root.removeAttribute('aria-busy');
        return;
      }
      root.setAttribute('aria-busy', 'true');
      try {
        const body = await fetchSearch(0);
        if (mine !== sequence) return;
        hits = body.hits;
        render(body);
      } catch (error) {
        if (mine !== sequence || error.name === 'AbortError') return;
        showError(error);
      } finally {
        if (mine === sequence) {
          // Which query the box now answers (read by the browser tests too).
          root.setAttribute('data-answered', query);
          root.removeAttribute('aria-busy');
        }
      }
    }

    async function loadMore() {
      const mine = ++sequence;
      const offset = hits.length;
      more.disabled = true;
      try {
        const body = await fetchSearch(offset);
        if (mine !== sequence) return;
        const first = results.children.length;
        body.hits.forEach((hit, index) => results.append(card(hit, offset + index)));
        hits = hits.concat(body.hits);
        updateMore(body.total);
        const next = results.children[first];
        if (next) next.querySelector('.ds-card').focus();
      } catch (error) {
        if (mine !== sequence || error.name === 'AbortError') return;
        showError(error);
      } finally {
        more.disabled = false;
      }
    }

    // --- rendering ---

    function reset() {
      message.replaceChildren();
      results.replaceChildren();
      expansions.hidden = true;
      doubt.hidden = true;
      heading.hidden = true;
      more.hidden = true;
    }

    /** Says what a search found, to the eye in full and to a screen reader as the count. */
    function tell(text, count) {
      status.textContent = text;
      announcer.textContent = count;
    }

    function exampleButtons(words) {
      return el(
        'ul',
        { class: 'ds-examples' },
        ...words.map((word) =>
          el('li', {}, el('button', { class: 'ds-example', type: 'button', 'data-query': word, text: word })),
        ),
      );
    }

    function showIntro() {
      reset();
      hits = [];
      filters.hidden = true;
      tell('', '');
      const recent = usesUrl ? recentSearches() : [];
      message.append(
        el(
          'div',
          { class: 'ds-intro' },
          el('p', { text: '输入一件事，查它属于哪个清单、由谁负责。可以输入关键词、部门名称，或直接粘贴群众诉求原话。试试：' }),
          exampleButtons(EXAMPLES),
          recent.length
            ? el(
                'div',
                { class: 'ds-recent' },
                el('h2', { class: 'ds-recent-heading', text: '最近搜索（仅保存在本浏览器）' }),
                exampleButtons(recent.map(shortQuery)),
                el('button', { class: 'ds-recent-clear', type: 'button', text: '清除最近搜索' }),
              )
            : null,
        ),
      );
      // A shortened long query searches for the whole one.
      message.querySelectorAll('.ds-recent .ds-example').forEach((button, index) => {
        button.setAttribute('data-query', recent[index]);
      });
    }

    function showError(error) {
      reset();
      filters.hidden = true;
      tell('', '');
      const network = error instanceof TypeError;
      const text = network
        ? `无法连接职责查询服务（${API}）。`
        : `查询失败：${error.message}`;
      const hint =
        network && mode === 'widget'
          ? '如果本页面在其他网站上，请管理员在查询服务的允许列表（--cors-origin）中加入本站地址。'
          : '请稍后再试。';
      message.append(el('div', { class: 'ds-error', role: 'alert' }, el('p', { text }), el('p', { text: hint })));
    }

    function render(body) {
      reset();
      const unfiltered = Object.values(body.facets.list).reduce((sum, count) => sum + count, 0);
      if (unfiltered > 0) renderFilters(body);
      else filters.hidden = true;
      // The expansions of the concepts that weigh most in the best hit come first.
      const best = body.hits[0] && body.hits[0].explanation;
      const weight = new Map(best ? best.concepts.map((concept) => [concept.concept, concept.weight]) : []);
      const strongest = body.interpretation.expansions
        .map((expansion, order) => ({ expansion, order, weight: weight.get(expansion.from) || 0 }))
        .sort((a, b) => b.weight - a.weight || a.order - b.order);
      const also = [];
      for (const { expansion } of strongest) {
        for (const term of expansion.to) if (!also.includes(term)) also.push(term);
      }
      const showAll = () => {
        alsoTerms.textContent = `也搜索了：${also.join('、')}`;
        alsoMore.hidden = true;
        alsoMore.setAttribute('aria-expanded', 'true');
      };
      alsoTerms.textContent = `也搜索了：${also.slice(0, SHOWN_EXPANSIONS).join('、')}`;
      alsoMore.hidden = also.length <= SHOWN_EXPANSIONS;
      alsoMore.textContent = alsoMore.hidden ? '' : `更多（${also.length - SHOWN_EXPANSIONS}）`;
      alsoMore.onclick = showAll;
      expansions.hidden = also.length === 0;
      const shown = shortQuery(body.query);
      if (body.total === 0) {
        tell(`没有找到与“${shown}”相关的职责事项`, '没有找到相关的职责事项');
        const empty = el('div', { class: 'ds-empty' });
        if (unfiltered > 0) {
          empty.append(
            el('p', { text: `当前筛选条件下没有结果；不加筛选共有 ${unfiltered} 项。` }),
            el('button', { class: 'ds-clear-inline', type: 'button', text: '清除筛选' }),
          );
        } else if (body.suggestions.length) {
          empty.append(el('p', { text: '清单里没有直接对应的事项。相近的事项有：' }), exampleButtons(body.suggestions));
        } else {
          empty.append(el('p', { text: '清单里没有对应的事项。试试换一种说法，或只输入关键词（如：燃气、低保、占道经营）。' }));
        }
        message.append(empty);
        return;
      }
      const filtered = state.list || state.category || state.department;
      tell(`找到 ${body.total} 项与“${shown}”相关的职责${filtered ? '（已筛选）' : ''}`, `找到 ${body.total} 项`);
      doubt.hidden = !body.hits.every((hit) => hit.confidence === 'low');
      heading.hidden = false;
      body.hits.forEach((hit, index) => results.append(card(hit, index)));
      message.append(confirm.noneFits());
      updateMore(body.total);
    }

    function updateMore(total) {
      const left = total - hits.length;
      more.hidden = left <= 0;
      more.textContent = `显示更多（还有 ${left} 项）`;
    }

    function renderFilters(body) {
      filters.hidden = false;
      const counts = body.facets.list;
      const all = Object.values(counts).reduce((sum, count) => sum + count, 0);
      const chip = (key, label, count) =>
        el(
          'button',
          {
            class: `ds-chip${key ? ` ds-chip-${key}` : ''}`,
            type: 'button',
            'data-list': key,
            'data-count': count,
            'aria-pressed': String(state.list === key),
            disabled: count === 0 && state.list !== key,
            title: key ? LIST_BY_KEY[key].meaning : null,
          },
          el('span', { class: 'ds-chip-label', text: label }),
          el('span', { class: 'ds-count', text: String(count) }),
        );
      chips.replaceChildren(
        chip('', '全部', all),
        ...LISTS.map((list) => chip(list.key, list.badge, counts[list.key] || 0)),
      );
      const entries = Object.entries(body.facets.category).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'zh'));
      if (state.category && !(state.category in body.facets.category)) entries.push([state.category, 0]);
      category.replaceChildren(
        el('option', { value: '', text: '全部类别' }),
        ...entries.map(([name, count]) => el('option', { value: name, text: `${name}（${count}）` })),
      );
      category.value = state.category;
      // Every department of the whole answer, before the department filter.
      const named = Object.entries(body.facets.department || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], 'zh'));
      departments.replaceChildren(...named.map(([name, count]) => el('option', { value: name, label: `${count} 项` })));
      clear.hidden = !(state.list || state.category || state.department);
    }

    function card(hit, index) {
      const list = LIST_BY_KEY[hit.list] || { badge: hit.list_label, meaning: '' };
      const titleId = id(`title-${index}`);
      const bodyId = id(`body-${index}`);
      const sections = dutySections(hit);
      const long = isLong(hit.title) || sections.some((section) => isLong(hit[section.name]));
      const copy = el('button', {
        class: 'ds-copy',
        type: 'button',
        text: '复制',
        'aria-label': `复制“${hit.title.slice(0, 30)}”的摘要`,
        title: '复制摘要（事项、清单、责任、职责、链接），可粘贴到工单',
      });
      const why = matchLine(hit);
      const toggle = long
        ? el('button', { class: 'ds-toggle', type: 'button', 'aria-expanded': 'false', 'aria-controls': bodyId, text: '展开全文' })
        : null;
      const article = el(
        'article',
        {
          class: `ds-card ds-card-${hit.list} ds-card-${hit.confidence}`,
          tabindex: '0',
          'data-id': hit.id,
          'data-list': hit.list,
          'aria-labelledby': titleId,
        },
        el(
          'div',
          { class: 'ds-card-head' },
          el('span', { class: `ds-badge ds-badge-${hit.list}`, title: list.meaning, text: list.badge }),
          el('span', { class: 'ds-category', text: hit.category }),
          el('span', {
            class: `ds-confidence ds-confidence-${hit.confidence}`,
            title: (CONFIDENCE[hit.confidence] || CONFIDENCE.low).meaning,
            text: (CONFIDENCE[hit.confidence] || CONFIDENCE.low).text,
          }),
          el('span', { class: 'ds-id', text: hit.id }),
          copy,
          confirm.cardButton(hit),
        ),
        el(
          'h3',
          { class: `ds-title${isLong(hit.title) ? ' ds-clamp' : ''}`, id: titleId },
          el('a', { class: 'ds-title-link', href: itemUrl(hit.id), target: mode === 'page' ? null : '_blank', rel: 'noopener' }, field(hit, 'title')),
        ),
        el('p', { class: 'ds-owner' }, el('span', { class: 'ds-owner-label', text: '责任' }), el('span', { class: 'ds-owner-text', text: hit.owner_statement })),
        why ? el('p', { class: 'ds-why', text: why }) : null,
        el(
          'div',
          { class: 'ds-body', id: bodyId },
          ...sections.map((section) =>
            el(
              'section',
              { class: 'ds-duty' },
              el('h4', { text: section.heading }),
              el('p', { class: `ds-text${isLong(hit[section.name]) ? ' ds-clamp' : ''}` }, field(hit, section.name)),
            ),
          ),
        ),
        toggle,
      );
      copy.addEventListener('click', () => copySummary(copy, hit, root));
      if (toggle) toggle.addEventListener('click', () => setExpanded(article, !article.classList.contains('ds-expanded')));
      return el('li', { class: 'ds-item' }, article);
    }

    /**
     * Shows a card's 展开全文 only when its clamped text is really cut at this width (a long
     * text may still fit in three lines on a wide screen). Unmeasurable (not laid out yet): kept.
     */
    function fitToggles() {
      for (const article of results.querySelectorAll('.ds-card')) {
        const toggle = article.querySelector('.ds-toggle');
        if (!toggle || article.classList.contains('ds-expanded')) continue;
        const clamped = Array.from(article.querySelectorAll('.ds-clamp'));
        const measurable = clamped.every((node) => node.clientHeight > 0);
        const cut = clamped.some((node) => node.scrollHeight > node.clientHeight + 1);
        toggle.hidden = measurable && !cut;
      }
    }

    function setExpanded(article, expanded) {
      const toggle = article.querySelector('.ds-toggle');
      if (!toggle || toggle.hidden) return;
      article.classList.toggle('ds-expanded', expanded);
      toggle.setAttribute('aria-expanded', String(expanded));
      toggle.textContent = expanded ? '收起' : '展开全文';
    }

    // --- events ---

    /** Near the limit, how many characters are left; after a paste that was cut, by how much. */
    function count(cut) {
      const length = input.value.length;
      counter.hidden = length < COUNTER_FROM && !cut;
      counter.classList.toggle('ds-counter-cut', cut > 0);
      counter.textContent = cut
        ? `粘贴的内容超过 ${MAX_QUERY} 字，已截去末尾 ${cut} 字（现 ${length} / ${MAX_QUERY} 字）`
        : `${length} / ${MAX_QUERY} 字`;
    }

    function typed() {
      if (!pasteCut) count(0);
      pasteCut = 0;
      state.q = input.value.slice(0, MAX_QUERY);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => search('typing'), TYPING_DELAY_MS);
    }

    function searchFor(query) {
      input.value = query;
      state.q = query;
      search('settled');
      input.focus();
    }

    function clearFilters() {
      state.list = '';
      state.category = '';
      state.department = '';
      department.value = '';
      search('settled');
    }

    input.addEventListener('paste', (event) => {
      const pasted = (event.clipboardData && event.clipboardData.getData('text')) || '';
      const kept = input.value.length - (input.selectionEnd - input.selectionStart);
      pasteCut = Math.max(0, kept + pasted.length - MAX_QUERY);
      if (pasteCut) count(pasteCut);
    });
    input.addEventListener('compositionstart', () => {
      composing = true;
    });
    input.addEventListener('compositionend', () => {
      composing = false;
      typed();
    });
    input.addEventListener('input', () => {
      if (!composing) typed();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      state.q = input.value.slice(0, MAX_QUERY);
      search('settled');
    });
    chips.addEventListener('click', (event) => {
      const chip = event.target.closest('.ds-chip');
      if (!chip || chip.disabled) return;
      const key = chip.getAttribute('data-list');
      state.list = state.list === key ? '' : key;
      search('settled');
    });
    category.addEventListener('change', () => {
      state.category = category.value;
      search('settled');
    });
    department.addEventListener('input', () => {
      clearTimeout(departmentTimer);
      departmentTimer = setTimeout(() => {
        if (department.value.trim() === state.department) return;
        state.department = department.value.trim();
        search('settled');
      }, TYPING_DELAY_MS * 2);
    });
    department.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      clearTimeout(departmentTimer);
      state.department = department.value.trim();
      search('settled');
    });
    clear.addEventListener('click', clearFilters);
    message.addEventListener('click', (event) => {
      if (event.target.closest('.ds-clear-inline')) clearFilters();
      if (event.target.closest('.ds-recent-clear')) {
        saveRecent([]);
        showIntro();
        input.focus();
      }
      const example = event.target.closest('.ds-example');
      if (example) searchFor(example.getAttribute('data-query'));
    });
    more.addEventListener('click', loadMore);
    // A new width (a turned phone, a revealed widget) cuts texts differently.
    new ResizeObserver(() => fitToggles()).observe(results);

    input.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown') {
        const first = results.querySelector('.ds-card');
        if (first) {
          event.preventDefault();
          first.focus();
        }
      }
    });
    results.addEventListener('keydown', (event) => {
      const current = event.target;
      if (!current.classList || !current.classList.contains('ds-card')) return;
      const cards = Array.from(results.querySelectorAll('.ds-card'));
      const at = cards.indexOf(current);
      let next = null;
      if (event.key === 'ArrowDown') next = cards[at + 1] || null;
      else if (event.key === 'ArrowUp') next = at > 0 ? cards[at - 1] : input;
      else if (event.key === 'Home') next = cards[0];
      else if (event.key === 'End') next = cards[cards.length - 1];
      else if (event.key === 'Escape') next = input;
      else if (event.key === 'Enter') {
        event.preventDefault();
        setExpanded(current, !current.classList.contains('ds-expanded'));
        return;
      } else return;
      event.preventDefault();
      if (next) next.focus();
    });

    if (mode !== 'widget') {
      document.addEventListener('keydown', (event) => {
        if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
        const target = event.target;
        const editing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
        if (editing) return;
        event.preventDefault();
        input.focus();
        input.select();
      });
    }
    if (usesUrl) {
      window.addEventListener('popstate', () => {
        readUrl();
        search(null);
      });
      readUrl();
      remember('settled');
    }
    if (mode === 'page') input.focus();
    search(null);
  }

  /** Page mode: the town and the number of duties in the page's heading. */
  async function showIndexInfo() {
    const slot = document.querySelector('[data-ds-info]');
    if (!slot) return;
    try {
      const response = await fetch(`${API}/healthz`, { headers: { Accept: 'application/json' } });
      const health = await response.json();
      slot.textContent = `${health.towns.join('、')} · 共 ${health.items} 项职责`;
    } catch (error) {
      slot.textContent = '';
    }
  }

  function mountWidget(target) {
    if (target.shadowRoot) {
      console.error('duty-search: the widget is already on this element');
      return;
    }
    const shadow = target.attachShadow({ mode: 'open' });
    const sheet = el('link', { rel: 'stylesheet', href: `${API}/assets/duty-search.css` });
    const holder = el('div', { class: 'ds-holder', hidden: true });
    const reveal = () => holder.removeAttribute('hidden');
    sheet.addEventListener('load', reveal);
    sheet.addEventListener('error', reveal);
    shadow.append(sheet, holder);
    mount(holder, 'widget');
  }

  /** An item page's 复制到工单: the same summary as a card's, from the item's API answer. */
  function mountTicket(button) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        const response = await fetch(`${API}/api/items/${encodeURIComponent(button.getAttribute('data-ds-ticket'))}`, {
          headers: { Accept: 'application/json' },
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        await copySummary(button, await response.json(), button.parentNode);
      } catch (error) {
        toast(button.parentNode, `复制失败：${error.message}`);
      }
    });
  }

  function start() {
    document.querySelectorAll('[data-ds-ticket]').forEach(mountTicket);
    const selector = script.getAttribute('data-target');
    if (selector) {
      const target = document.querySelector(selector);
      if (!target) {
        console.error(`duty-search: no element matches data-target="${selector}"`);
        return;
      }
      mountWidget(target);
      return;
    }
    for (const container of document.querySelectorAll('[data-duty-search]')) {
      const mode = container.getAttribute('data-duty-search') === 'embed' ? 'embed' : 'page';
      mount(container, mode);
      if (mode === 'page') showIndexInfo();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
