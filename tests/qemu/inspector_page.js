// inspector_page.js PORT SMP -- the inspector's page (lisp/inspector.html) run as a browser runs
// it: its own script, fetched from the kernel at http://127.0.0.1:PORT/, executed by node against
// a small DOM (the elements the page names, the ones it makes, canvases that record what is
// drawn) with the kernel's live API behind fetch. Then it is driven as a person would: a refresh
// (tick), the heap map of the last CPU chosen, a top object clicked, a field followed, "who holds
// it?" clicked and a holder followed back, a closure's captured value followed, globals typed
// into the form. Every check is on what
// the page shows; the last line is "ok: ..." (exit 0) or "error: ..." (exit 1). Node 18 or later
// (fetch). Used by tests/qemu/inspector.py, step "browser".
'use strict';
const vm = require('vm');

const port = Number(process.argv[2]), smp = Number(process.argv[3]);
const base = 'http://127.0.0.1:' + port;

// ---- the DOM: enough of it for the page ----
class Node {}
class Text extends Node {
  constructor(s) { super(); this.data = String(s); }
  get textContent() { return this.data; }
}
const byId = new Map();
const drawn = [];	// every canvas call: [canvas id, method, args]
class Element extends Node {
  constructor(tag) {
    super();
    this.tagName = tag.toUpperCase();
    this.children = [];
    this.attrs = {};
    this.className = '';
    this.style = {};
    this.onclick = null;
    this.onchange = null;
    this.onsubmit = null;
    this.value = '';
    this.checked = true;
  }
  setAttribute(k, v) {
    this.attrs[k] = String(v);
    if (k === 'id') byId.set(String(v), this);
    if (k === 'value') this.value = String(v);
  }
  get id() { return this.attrs.id; }
  append(...kids) {
    for (const k of kids) {
      if (!(k instanceof Node)) throw new Error('append: not a node: ' + k);
      this.children.push(k);
    }
  }
  replaceChildren(...kids) { this.children = []; this.append(...kids.map((k) => (k instanceof Node ? k : new Text(k)))); }
  get textContent() { return this.children.map((c) => c.textContent).join(''); }
  set textContent(s) { this.children = [new Text(s)]; }
  getContext(kind) {
    if (this.tagName !== 'CANVAS' || kind !== '2d') throw new Error('getContext on ' + this.tagName);
    const id = this.id;
    return new Proxy({}, {
      get: (t, m) => (m in t ? t[m] : (...args) => {
        drawn.push([id, m, args]);
        return m === 'measureText' ? { width: 6 * String(args[0]).length } : undefined;
      }),
      set: (t, m, v) => { t[m] = v; return true; },
    });
  }
  all(pred, out = []) {
    for (const c of this.children)
      if (c instanceof Element) { if (pred(c)) out.push(c); c.all(pred, out); }
    return out;
  }
  links() { return this.all((e) => e.tagName === 'A' && typeof e.onclick === 'function'); }
  rows() { return this.all((e) => e.tagName === 'TR'); }
}
const document = {
  createElement: (tag) => new Element(tag),
  createTextNode: (s) => new Text(s),
  getElementById: (id) => byId.get(id) || null,
};

function fail(msg) {
  console.log('error: ' + msg);
  process.exit(1);
}
function check(ok, msg) { if (!ok) fail(msg); }
const settle = () => new Promise((r) => setTimeout(r, 0));
// wait until cond() holds: the page's handlers are async (fetches)
async function until(cond, what, ms = 60000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) fail('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main() {
  const r = await fetch(base + '/');
  check(r.ok, 'GET /: ' + r.status);
  const page = await r.text();
  const m = /<script>([\s\S]*)<\/script>/.exec(page);
  check(m, 'no script in the page');
  // the elements the page's HTML names, made as the browser would
  for (const e of page.matchAll(/<([a-z0-9]+)\b[^>]*\bid="([^"]+)"/g)) document.createElement(e[1]).setAttribute('id', e[2]);
  const requests = [];
  const sandbox = {
    document, Node, console, Math, JSON, Date, Error, Promise, String, Number, Object, Array, Proxy,
    encodeURIComponent,
    performance: { now: () => performance.now() },
    fetch: (path, opts) => { requests.push(path); return fetch(base + path, opts); },
    setInterval: () => 0,	// the page's 2 s refresh: driven by hand here (tick)
    setTimeout,
  };
  vm.createContext(sandbox);
  // the script's own top level: its functions become the context's, then its first tick() runs
  vm.runInContext(m[1] + '\n;globalThis.__tick = tick; globalThis.__busy = () => busy;', sandbox, { filename: 'inspector.html' });
  const $ = (id) => byId.get(id);
  await until(() => $('status').textContent.startsWith('updated') || $('status').textContent.startsWith('error'), 'the first refresh');
  check($('status').textContent.startsWith('updated'), 'status after the first refresh: ' + $('status').textContent);

  // per CPU: a card each, its numbers, its charts drawn
  const cards = $('cpus').all((e) => /^cpu\d+$/.test(e.id || ''));
  check(cards.length === smp, cards.length + ' CPU cards, want ' + smp);
  for (let c = 0; c < smp; c++) {
    const kv = $('kv' + c).textContent;
    check(/heap \d/.test(kv) && /collections minor \d+/.test(kv) && /pause us p50/.test(kv), 'CPU ' + c + ' numbers: ' + kv);
    check(drawn.some(([id, f]) => id === 'occ' + c && f === 'fillText'), 'CPU ' + c + ': no occupancy chart');
    check(drawn.some(([id, f]) => id === 'pause' + c && (f === 'fillRect' || f === 'fillText')), 'CPU ' + c + ': no pause histogram');
  }
  // the matrix: a header, a row per CPU, the counted row
  check($('matrix').rows().length === smp + 2, 'matrix rows ' + $('matrix').rows().length);
  check($('threads').rows().length > 1, 'no thread listed');
  check(/inspector/.test($('threads').textContent), 'the threads table does not list the inspector');
  check($('hmap').children.length > 0 && /groups/.test($('mapinfo').textContent), 'no heap map: ' + $('mapinfo').textContent);
  check($('mapcpu').children.length === smp, 'CPU choices: ' + $('mapcpu').children.length);

  // a second refresh: the allocation rate now has two points
  const before = drawn.length;
  await sandbox.__tick();
  check(drawn.length > before, 'the second refresh drew nothing');
  check(/allocating \d/.test($('kv0').textContent), 'CPU 0 rate: ' + $('kv0').textContent);

  // the heap map of the last CPU, chosen in the select
  $('mapcpu').value = String(smp - 1);
  const mapBefore = requests.length;
  $('mapcpu').onchange();
  await until(() => requests.slice(mapBefore).includes('/api/heap-map?cpu=' + (smp - 1)), 'the chosen heap map');
  await until(() => /groups/.test($('mapinfo').textContent), 'the map redrawn');

  // the largest remote counts: click the first, then follow a field that has a link
  // (one CPU: no other heap, so no remote count, and the table says so)
  const tops = $('top').links();
  if (smp > 1) {
    check(tops.length > 0, 'no object in the largest remote counts');
    tops[0].onclick();
    await until(() => $('obj').textContent.startsWith('#'), 'the clicked object');
    check(/type \w+/.test($('obj').textContent), 'object view: ' + $('obj').textContent.slice(0, 200));
  } else {
    check(tops.length === 0 && /no object has a remote count/.test($('top').textContent),
          'one CPU, yet the largest remote counts show: ' + $('top').textContent.slice(0, 200));
  }

  // the global the guest defined, through the form
  $('gname').value = 'inspweb-demo';
  $('gform').onsubmit({ preventDefault() {} });
  await until(() => $('obj').textContent.includes('(1 #(two'), 'the global inspweb-demo');
  const cdr = $('obj').links().find((a) => a.textContent.startsWith('(#(two'));
  check(cdr, 'no link to the global\'s cdr: ' + $('obj').textContent.slice(0, 300));
  cdr.onclick();
  await until(() => $('obj').textContent.startsWith('#') && $('obj').textContent.includes('(#(two') &&
              !$('obj').textContent.includes('(1 #(two'), 'the cdr');
  const vec = $('obj').links().find((a) => a.textContent.startsWith('#(two'));
  check(vec, 'no link to the vector');
  vec.onclick();
  await until(() => /type vector/.test($('obj').textContent), 'the vector');
  check($('trail').links().length >= 3, 'the path shows ' + $('trail').links().length + ' steps');

  // who holds the vector: the pair it came from (handed over as a view), followed by its link
  const who = $('obj').links().find((a) => a.textContent === 'who holds it?');
  check(who, 'no "who holds it?" link');
  who.onclick();
  await until(() => / holders of #\d+/.test($('obj').textContent), 'the holders');
  const holder = $('obj').rows().find((tr) => tr.children.length === 4 && tr.children[2].textContent === '0' &&
                                            tr.children[1].textContent.startsWith('(#(two'));
  check(holder && holder.links().length === 1, 'the pair holding the vector is not listed with a link: ' +
        $('obj').textContent.slice(0, 400));
  holder.links()[0].onclick();
  await until(() => /type pair/.test($('obj').textContent) && /through a view/.test($('obj').textContent), 'the holder pair');
  check($('obj').links().some((a) => a.textContent.startsWith('#(two')), 'the holder pair does not show the vector');

  // a closure: its captured vector has a link, its code none
  $('gname').value = 'inspweb-closure';
  $('gform').onsubmit({ preventDefault() {} });
  await until(() => /type closure/.test($('obj').textContent), 'the closure');
  const captured = $('obj').links().find((a) => a.textContent.startsWith('#(captured'));
  check(captured, 'no link to the closure\'s captured vector: ' + $('obj').textContent.slice(0, 300));
  check(!$('obj').links().some((a) => a.textContent === '#<code>'), 'the closure\'s code has a link');
  captured.onclick();
  await until(() => /type vector/.test($('obj').textContent) && $('obj').textContent.includes('captured'), 'the captured vector');
  // who holds it: the closure, followed back by its link
  $('obj').links().find((a) => a.textContent === 'who holds it?').onclick();
  await until(() => / holders of #\d+/.test($('obj').textContent), 'the captured vector\'s holders');
  const back = $('obj').links().find((a) => a.textContent.startsWith('#<procedure'));
  check(back, 'the closure holding the vector has no link: ' + $('obj').textContent.slice(0, 400));
  back.onclick();
  await until(() => /type closure/.test($('obj').textContent), 'the holder followed back');

  // an unknown global: the error is shown, the page goes on
  $('gname').value = 'no-such-global-here';
  $('gform').onsubmit({ preventDefault() {} });
  await until(() => /no global named/.test($('obj').textContent), 'the unknown global\'s error');
  await sandbox.__tick();
  check($('status').textContent.startsWith('updated'), 'status at the end: ' + $('status').textContent);
  await settle();
  console.log('ok: ' + smp + ' CPU cards with charts, matrix, threads, heap map of CPU ' + (smp - 1) +
              (smp > 1 ? ', a top object' : ', no remote count') + ', a global followed 2 fields deep, its pair holder (a view) and a closure holder back, a closure\'s captured value, an unknown global; ' +
              requests.length + ' requests');
}

main().catch((e) => fail(e.stack || String(e)));
