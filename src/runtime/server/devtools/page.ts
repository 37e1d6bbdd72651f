/**
 * The DevTools tab's page (dev only), shown in an iframe of the Nuxt DevTools panel. It reads
 * the app's auth client from the page the DevTools are open on (same origin: an ancestor
 * window), and the server's view from `<authPath>/_devtools/*`.
 */
export function devtoolsPage(authPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nuxt-aegis</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
:root { color-scheme: light dark; --muted: #8a8f98; --line: #8884; --ok: #18a058; --warn: #d03050; --accent: #36ad6a; }
body { font: 13px/1.5 ui-sans-serif, system-ui, sans-serif; margin: 0; padding: 16px 20px; }
h1 { font-size: 16px; margin: 0 0 12px; } h1 small { color: var(--muted); font-weight: normal; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 8px; }
section { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 14px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 14px; } .grid section { margin: 0; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; font: 12px/1.45 ui-monospace, monospace; max-height: 300px; overflow: auto; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: normal; } code { font: 12px ui-monospace, monospace; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .muted { color: var(--muted); }
input { font: 13px ui-monospace, monospace; padding: 4px 8px; width: 60%; border: 1px solid var(--line); border-radius: 4px; background: transparent; color: inherit; }
button { font: inherit; padding: 4px 10px; border: 1px solid var(--line); border-radius: 4px; background: transparent; color: inherit; cursor: pointer; }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; border: 1px solid currentColor; font-size: 11px; }
</style></head>
<body>
<h1>nuxt-aegis <small>DevTools (dev server only)</small></h1>
<div class="grid">
  <section><h2>Current user</h2><div id="user" class="muted">…</div></section>
  <section><h2>Access token</h2><div id="token" class="muted">…</div></section>
</div>
<section style="margin-top:14px"><h2>Route protection tester</h2>
  <form id="route-form"><input id="route-path" value="/dashboard" aria-label="path" data-testid="route-path"> <button>Test</button></form>
  <div id="route" style="margin-top:8px" data-testid="route-result"></div></section>
<div class="grid">
  <section><h2>Providers and redirect URIs</h2><div id="providers" class="muted">…</div></section>
  <section><h2>Live sessions of this user</h2><div id="sessions" class="muted">…</div></section>
</div>
<section style="margin-top:14px"><h2>Auth events <span class="muted">(as they happen)</span></h2><div id="events" class="muted" data-testid="events">none yet</div></section>
<section><h2>Resolved options <span class="muted">(secrets redacted)</span></h2><pre id="options">…</pre></section>
<script type="module">
const AUTH_PATH = ${JSON.stringify(authPath)}
const api = path => fetch(AUTH_PATH + '/_devtools/' + path, { cache: 'no-store' }).then(r => r.json())
const $ = id => document.getElementById(id)
const esc = value => String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
const time = ms => new Date(ms).toLocaleTimeString()

/** The app's Nuxt instance on the page the DevTools are open on (an ancestor window, same origin). */
function hostApp() {
  let win = window
  while (win.parent && win.parent !== win) {
    win = win.parent
    try {
      const app = win.document.querySelector('#__nuxt, [data-v-app]')?.__vue_app__?.$nuxt
      if (app?.$aegis) return app
    } catch { /* another origin */ }
  }
  return null
}

function decode(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
    return JSON.parse(decodeURIComponent(escape(atob(part))))
  } catch { return null }
}

function renderUser(app) {
  const state = app?.payload?.state?.['$snuxt-aegis:state']
  if (!app) return $('user').innerHTML = 'Open this tab from the Nuxt DevTools of an app page to see its session.'
  const status = state?.status ?? 'unknown'
  $('user').innerHTML = '<p>Status: <b data-testid="status">' + esc(status) + '</b></p>' + (state?.user ? '<pre>' + esc(JSON.stringify(state.user, null, 2)) + '</pre>' : '')
  const token = app.$aegis.getToken?.()
  const claims = token && decode(token)
  if (!claims) return $('token').innerHTML = 'No access token in memory.'
  const left = Math.round(claims.exp - Date.now() / 1000)
  $('token').innerHTML = '<p>Expires ' + esc(new Date(claims.exp * 1000).toLocaleTimeString()) + ' <span class="' + (left > 60 ? 'ok' : 'warn') + '" data-testid="expires-in">(in ' + left + ' s)</span></p><pre data-testid="claims">' + esc(JSON.stringify(claims, null, 2)) + '</pre>'
}

async function renderSessions(app) {
  if (!app?.$aegis?.getToken?.()) return $('sessions').innerHTML = 'Log in to see the sessions.'
  try {
    const answer = await app.$aegis.fetch(AUTH_PATH + '/sessions')
    const list = Array.isArray(answer) ? answer : answer?.sessions ?? []
    $('sessions').innerHTML = list.length === 0 ? 'No live session.' : '<table data-testid="sessions"><tr><th>Device</th><th>Provider</th><th>Logged in</th><th>Last refresh</th><th></th></tr>' + list.map(s =>
      '<tr><td>' + esc(s.device ?? 'unknown device') + '</td><td>' + esc(s.provider) + '</td><td>' + esc(new Date(s.createdAt).toLocaleString()) + '</td><td>' + esc(new Date(s.refreshedAt).toLocaleTimeString()) + '</td><td>' + (s.current ? '<span class="badge ok">this one</span>' : '') + '</td></tr>').join('') + '</table>'
  } catch (error) {
    $('sessions').innerHTML = '<span class="muted">' + esc(AUTH_PATH) + '/sessions: ' + esc(error?.statusCode ?? error?.message ?? error) + '</span>'
  }
}

async function renderState() {
  const state = await api('state')
  $('options').textContent = JSON.stringify({ server: state.options, public: state.public }, null, 2)
  $('providers').innerHTML = state.providers.length === 0 ? 'No provider configured.' : '<table><tr><th>Provider</th><th>Redirect URI to register</th></tr>' + state.providers.map(p =>
    '<tr><td>' + esc(p.name) + '</td><td><code data-testid="redirect-' + esc(p.name) + '">' + esc(p.redirectUri) + '</code>' + (p.note ? ' <span class="muted">' + esc(p.note) + '</span>' : '') + (p.origin === 'request' ? ' <span class="muted">(origin of this dev server; production uses siteUrl)</span>' : '') + '</td></tr>').join('') + '</table>'
}

async function testRoute(path) {
  const r = await api('route?path=' + encodeURIComponent(path))
  const why = r.decidedBy.list === 'none' ? 'no glob matches' : r.decidedBy.list === 'authPath' ? 'the module\\'s own routes (' + r.decidedBy.glob + ') are never protected' : r.decidedBy.list + ': <code>' + esc(r.decidedBy.glob) + '</code>'
  $('route').innerHTML = r.refused ? '<span class="warn">refused (400): the normalizer rejects this path</span>'
    : 'normalized <code data-testid="route-normalized">' + esc(r.normalized) + '</code> → <b class="' + (r.protected ? 'warn' : 'ok') + '" data-testid="route-verdict">' + (r.protected ? 'protected' : 'public') + '</b> (' + why + ')<br><span class="muted">definePageMeta({ auth }) can still protect or open a page in the browser.</span>'
}

let since = 0
const seen = []
async function pollEvents() {
  try {
    const { events } = await api('events?since=' + since)
    for (const e of events) { seen.unshift(e); since = Math.max(since, e.id) }
    seen.length = Math.min(seen.length, 50)
    if (seen.length) $('events').innerHTML = '<table><tr><th>Time</th><th>Event</th><th>User</th><th>Details</th></tr>' + seen.map(e =>
      '<tr><td>' + time(e.at) + '</td><td><span class="badge ' + (e.type === 'reuse' ? 'warn' : 'ok') + '">' + esc(e.type) + '</span></td><td>' + esc(e.name ?? e.sub ?? '') + '</td><td class="muted">' + esc([e.provider, e.session && 'session ' + e.session, e.detail].filter(Boolean).join(' · ')) + '</td></tr>').join('') + '</table>'
  } catch { /* the dev server restarts */ }
}

$('route-form').addEventListener('submit', (event) => { event.preventDefault(); testRoute($('route-path').value) })
const app = hostApp()
renderUser(app)
renderSessions(app)
renderState()
testRoute($('route-path').value)
pollEvents()
setInterval(() => { renderUser(hostApp()); pollEvents() }, 1000)
setInterval(() => renderSessions(hostApp()), 10000)
</script>
</body></html>`
}
