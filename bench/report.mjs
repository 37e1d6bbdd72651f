/**
 * Writes the results page (Markdown) and its chart (SVG) from one run's results.
 * Everything on the page comes from `results`; nothing is typed in by hand.
 */
import { PROFILE_NOTES, refreshRows, round2Sections } from './report-round2.mjs'

/** When each lazy chunk of the client is fetched. */
const LAZY_WHEN = {
  'lazy/credentials': 'password or credentials login, CODE exchange on the callback page',
  'lazy/guard': 'a navigation to a path a `routeProtection` glob may match',
  'lazy/popup': '`login({ popup: true })`, the callback and error pages',
  'nuxt/error-404': 'an error page (Nuxt)',
  'nuxt/error-500': 'an error page (Nuxt)',
  'pages/AegisCallback': 'the login callback page',
  'pages/AegisError': 'the login error page',
}

const int = value => Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
const fixed = (value, digits = 2) => Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
const kb = bytes => Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : 'n/a'
const mb = bytes => Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'n/a'
const escapeXml = text => String(text).replace(/[<>&"]/g, c => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c])

/** One horizontal bar panel of the chart. */
function panel(y, title, bars, { max, unit = '', marker } = {}) {
  const left = 250
  const width = 400
  const scale = max ?? Math.max(...bars.map(bar => bar.value).filter(Number.isFinite), 1) * 1.1
  const rows = [`<text x="10" y="${y + 16}" font-weight="bold">${escapeXml(title)}</text>`]
  bars.forEach((bar, index) => {
    const top = y + 26 + index * 24
    const length = Number.isFinite(bar.value) ? Math.max(1, (Math.min(bar.value, scale) / scale) * width) : 0
    rows.push(
      `<text x="${left - 8}" y="${top + 14}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${left}" y="${top}" width="${length.toFixed(1)}" height="18" fill="${bar.color ?? '#4f7cac'}"/>`,
      `<text x="${left + length + 6}" y="${top + 14}">${escapeXml(bar.text ?? `${fixed(bar.value)}${unit}`)}</text>`,
    )
  })
  const height = 34 + bars.length * 24
  if (marker) {
    const x = left + (marker.value / scale) * width
    rows.push(
      `<line x1="${x.toFixed(1)}" y1="${y + 22}" x2="${x.toFixed(1)}" y2="${y + height - 6}" stroke="#c0392b" stroke-dasharray="4 3"/>`,
      `<text x="${x.toFixed(1)}" y="${y + height + 6}" text-anchor="middle" fill="#c0392b" font-size="11">${escapeXml(marker.label)}</text>`,
    )
  }
  return { svg: rows.join('\n'), height: height + (marker ? 14 : 0) }
}

export function renderChart(results) {
  const { protection, refresh, token, matcher, bundle, memory } = results
  const panels = []
  if (protection && !protection.error) {
    panels.push(['1. Route protection: req/s relative to the unprotected route (median of rounds)', [
      { label: '(b) nuxt-aegis, Bearer', value: protection.ratio.b, color: '#2e7d32' },
      { label: '(b) by server CPU time', value: protection.cpuRatio.b, color: '#81c784' },
      ...(protection.ratio.b2 === undefined
        ? []
        : [{ label: '(b2) async, getAuthUser', value: protection.ratio.b2, color: '#558b2f' }]),
      ...(protection.ratio.b3 === undefined
        ? []
        : [{ label: `(b3) Bearer, ${protection.revoked} revoked`, value: protection.ratio.b3, color: '#1b5e20' }]),
      { label: '(c) nuxt-auth-utils, cookie', value: protection.ratio.c, color: '#8e44ad' },
      { label: '(c) by server CPU time', value: protection.cpuRatio.c, color: '#c39bd3' },
    ], { max: 1.2, unit: '×', marker: { value: protection.target, label: `target ${protection.target}` } }])
  }
  const throughput = []
  if (refresh && !refresh.error) for (const row of refresh.rows) throughput.push({ label: `POST /auth/refresh, ${row.driver}`, value: row.rps, text: `${int(row.rps)} req/s, p99 ${fixed(row.p99, 0)} ms` })
  if (token && !token.error) throughput.push({ label: 'POST /auth/token (CODE)', value: token.rps, text: `${int(token.rps)} req/s, p99 ${fixed(token.p99, 0)} ms`, color: '#d68910' })
  if (throughput.length) panels.push(['2, 3. Throughput at 50 concurrent clients (req/s)', throughput])
  if (matcher && !matcher.error) {
    panels.push(['4. Route matching: ns per request path', matcher.rows.map(row => ({ label: `${row.patterns} pattern${row.patterns > 1 ? 's' : ''}`, value: row.ns, text: `${int(row.ns)} ns` }))])
  }
  if (bundle && !bundle.error) {
    panels.push(['5. Client JS added to the app (gzip)', [
      { label: 'nuxt-aegis', value: bundle.aegis.added, text: kb(bundle.aegis.added), color: '#2e7d32' },
      { label: 'nuxt-auth-utils', value: bundle.authUtils.added, text: kb(bundle.authUtils.added), color: '#8e44ad' },
    ]])
  }
  if (memory && !memory.error) {
    panels.push([`6. Server memory around ${int(memory.total)} CODEs (V8 heap in use)`, [
      { label: 'before', value: memory.before.heapUsed, text: mb(memory.before.heapUsed) },
      { label: 'right after issuing', value: memory.afterIssue.heapUsed, text: mb(memory.afterIssue.heapUsed) },
      { label: 'after expiry, idle', value: memory.afterExpiry.heapUsed, text: mb(memory.afterExpiry.heapUsed) },
    ]])
  }
  let y = 10
  const parts = []
  for (const [title, bars, options] of panels) {
    const { svg, height } = panel(y, title, bars, options)
    parts.push(svg)
    y += height + 18
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="860" height="${y}" viewBox="0 0 860 ${y}" font-family="sans-serif" font-size="13">`,
    `<rect width="860" height="${y}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}

function section(title, result, body) {
  if (!result) return `## ${title}\n\nNot run in this run.\n`
  if (result.error) return `## ${title}\n\n**Failed:** \`${result.error}\`\n`
  return `## ${title}\n\n${body(result)}\n`
}

export function renderPage(results, meta) {
  const { protection, refresh, token, matcher, bundle, memory } = results
  const underLoad = meta.maxLoad > meta.cores * 0.5
  const lines = [
    '# Benchmarks',
    '',
    `<!-- Generated by \`npm run bench\` (bench/run.mjs). Do not edit by hand: rerun it. -->`,
    '',
    'What nuxt-aegis costs, measured side by side with an app without an auth module and with',
    '[nuxt-auth-utils](https://github.com/atinux/nuxt-auth-utils). Every server is a production build',
    '(`nuxi build`, `node .output/server/index.mjs`) on 127.0.0.1; the load generator runs on the same',
    'machine. Absolute numbers depend on the machine; compare the **ratios**, which are taken within',
    'one run with the variants alternating in rounds (medians of the rounds).',
    '',
    ...(meta.quick ? ['> **Quick run (`BENCH_QUICK=1`)**: short smoke durations; these numbers only show that the suite works.', ''] : []),
    ...(underLoad
      ? [`> **Measured under load.** The machine's 1-minute load average reached ${fixed(meta.maxLoad, 1)} on ${meta.cores} cores during this run (other work was running), so throughput figures are noisy and lower than on a quiet machine; the CPU-time columns are less affected. Rerun \`npm run bench\` on a quiet machine for cleaner numbers.`, '']
      : []),
    '![Benchmark chart](benchmarks.svg)',
    '',
    '## Machine and versions',
    '',
    '| | |',
    '|---|---|',
    `| Date | ${meta.date} |`,
    `| CPU | ${meta.cpu} × ${meta.cores} |`,
    `| Memory | ${mb(meta.memory)} |`,
    `| OS | ${meta.os} |`,
    `| Node.js | ${meta.node} |`,
    `| nuxt / nitropack / h3 | ${meta.versions.nuxt} / ${meta.versions.nitropack} / ${meta.versions.h3} |`,
    `| nuxt-aegis | ${meta.versions.aegis} (this checkout, ${meta.commit}) |`,
    `| nuxt-auth-utils | ${meta.versions['nuxt-auth-utils']} |`,
    `| autocannon | ${meta.versions.autocannon} |`,
    `| Load average (1 min) at start / highest / at end | ${fixed(meta.loadStart, 2)} / ${fixed(meta.maxLoad, 2)} / ${fixed(meta.loadEnd, 2)} |`,
    `| Duration of the run | ${fixed(meta.seconds / 60, 1)} min |`,
    '',
    '## How to run',
    '',
    '```bash',
    'npm install',
    'npm run bench                 # everything; rewrites docs/benchmarks.md and docs/benchmarks.svg',
    'BENCH_QUICK=1 npm run bench   # smoke run with short durations; writes bench/.results/ only',
    'BENCH_ONLY=protection,matcher npm run bench   # some measurements; writes bench/.results/ only',
    'node bench/profile.mjs refresh   # CPU profile of the aegis app under 50 refresh clients (also: token)',
    'node bench/compare.mjs ../other-checkout 3 5   # this build against another one, alternating rounds',
    '```',
    '',
    'The bench apps live in `bench/apps/` (`baseline`: no auth module; `aegis`: this module with the',
    'mock provider; `auth-utils`: nuxt-auth-utils) and are built by the run. Redis: `AEGIS_REDIS_URL`',
    'if set, else a `redis-server` the run starts on a free loopback port, else the Redis row is skipped.',
    'Raw numbers of the last run: `bench/.results/results.json` (not committed).',
    '',
    section('1. Route protection overhead', protection, r => [
      `The same small JSON handler (\`GET /api/hello\`), ${r.rounds} rounds of ${r.duration} s per variant, ${r.connections} connections (autocannon), variants in rotated order each round.`,
      '(a) an app without auth; (b) nuxt-aegis with the route under `routeProtection.protectedRoutes` and a valid',
      'Bearer token, the handler reading the user the middleware put on `event.context.user`; (c) nuxt-auth-utils,',
      'the handler calls `requireUserSession` with a valid sealed session cookie. (a2) and (b2) are the same',
      'routes with an async handler: (a2) awaits a resolved promise, (b2) awaits `getAuthUser(event)`. Each',
      'variant is checked first: 200 with its credential, 401 without.',
      '',
      '| Variant | req/s (median) | p99 latency | server CPU per request | ratio, req/s | ratio, CPU time |',
      '|---|---:|---:|---:|---:|---:|',
      `| (a) unprotected | ${int(r.rps.a)} | ${fixed(r.p99.a, 0)} ms | ${fixed(r.cpuUsPerRequest.a, 0)} µs | 1 | 1 |`,
      `| (b) nuxt-aegis, Bearer JWT | ${int(r.rps.b)} | ${fixed(r.p99.b, 0)} ms | ${fixed(r.cpuUsPerRequest.b, 0)} µs | **${fixed(r.ratio.b)}** (to a) | ${fixed(r.cpuRatio.b)} |`,
      ...(r.ratio.b2 === undefined
        ? []
        : [
            `| (a2) unprotected, async handler | ${int(r.rps.a2)} | ${fixed(r.p99.a2, 0)} ms | ${fixed(r.cpuUsPerRequest.a2, 0)} µs | 1 | 1 |`,
            `| (b2) nuxt-aegis, async, \`getAuthUser\` | ${int(r.rps.b2)} | ${fixed(r.p99.b2, 0)} ms | ${fixed(r.cpuUsPerRequest.b2, 0)} µs | **${fixed(r.ratio.b2)}** (to a2) | ${fixed(r.cpuRatio.b2)} |`,
          ]),
      ...(r.ratio.b3 === undefined
        ? []
        : [`| (b3) nuxt-aegis, Bearer JWT, ${int(r.revoked)} revoked sessions on the list | ${int(r.rps.b3)} | ${fixed(r.p99.b3, 0)} ms | ${fixed(r.cpuUsPerRequest.b3, 0)} µs | **${fixed(r.ratio.b3)}** (to a) | ${fixed(r.cpuRatio.b3)} |`]),
      `| (c) nuxt-auth-utils, sealed cookie | ${int(r.rps.c)} | ${fixed(r.p99.c, 0)} ms | ${fixed(r.cpuUsPerRequest.c, 0)} µs | **${fixed(r.ratio.c)}** (to a) | ${fixed(r.cpuRatio.c)} |`,
      '',
      'Ratios are medians of the per-round ratios (each round\'s (b) and (c) divided by the same round\'s (a)), so they need not equal the ratio of the median req/s columns.',
      '',
      `Target (b)/(a) ≥ ${r.target}: **${r.ratio.b >= r.target ? 'met' : 'not met'}** in this run (req/s ratio; by CPU time ${fixed(r.cpuRatio.b)}).`,
      ...(r.ratio.b3 === undefined
        ? []
        : [`With the revocation check over ${int(r.revoked)} revoked sessions, (b3)/(a) ≥ ${r.target}: **${r.ratio.b3 >= r.target ? 'met' : 'not met'}** (by CPU time ${fixed(r.cpuRatio.b3)}): the check is one \`Map\` lookup of the token's \`sid\`, no I/O (the list is refreshed in the background).`]),
      ...(r.ratio.b > 1 || r.cpuRatio.b > 1
        ? ['A ratio above 1 does not mean protection is free: (b) does strictly more work than (a), so here its cost',
            'was below this machine\'s run-to-run noise. A CPU profile of (b) puts the middleware at about 2 µs per',
            'request, about half of it the verified-token cache lookup.']
        : []),
      `Per round, (b)/(a): ${r.perRound.map(x => fixed(x.b)).join(', ')}; ${r.ratio.b2 === undefined ? '' : `(b2)/(a2): ${r.perRound.map(x => fixed(x.b2)).join(', ')}; `}${r.perRound[0]?.b3 === undefined ? '' : `(b3)/(a): ${r.perRound.map(x => fixed(x.b3)).join(', ')}; `}(c)/(a): ${r.perRound.map(x => fixed(x.c)).join(', ')}.`,
      '',
      'The CPU-time ratio divides the servers\' own CPU seconds per request (from `/proc`), which other',
      'processes on the machine disturb less than throughput. Why (b) is cheap: the key is imported once,',
      'globs are compiled once, and a token verified before is answered from a bounded cache (until its',
      '`exp`) synchronously, without a regular expression, an HMAC or a storage read.',
    ].join('\n')),
    section('2. `POST /auth/refresh` at 50 concurrent clients', refresh, r => [
      `${r.connections} clients, each with its own session (logged in through the mock provider), each sending its next`,
      `refresh as soon as the previous one is answered and keeping the rotated cookie; ${r.rounds} rounds of ${r.duration} s per`,
      'driver, drivers in rotated order. Every refresh reads the session, writes its successor and marks it',
      'rotated (rotation on, the default). Any failed refresh fails the run.',
      '',
      ...refreshRows(r),
      '',
      `Redis: ${r.redisNote}.`,
      'The fs driver writes to a temporary directory under `bench/.results/`.',
    ].join('\n')),
    ...round2Sections(results, section),
    section('3. `POST /auth/token` (CODE exchange) at 50 concurrent clients', token, r => [
      `${r.rounds} rounds; each round first issues ${int(r.perRound)} fresh CODEs through a bench-only route of the bench app`,
      '(`bench/apps/aegis/server/routes/bench/codes.post.ts`, not part of the module; it issues them as the',
      'login route does, with their handoff cookies), then 50 clients redeem them, one CODE per request.',
      'Each exchange checks the CODE and its browser binding, creates a session (memory driver) and signs',
      'an access token. Any failed exchange fails the run.',
      '',
      '| | req/s (median) | p50 | p99 |',
      '|---|---:|---:|---:|',
      `| POST /auth/token | ${int(r.rps)} | ${fixed(r.p50, 1)} ms | ${fixed(r.p99, 1)} ms |`,
    ].join('\n')),
    section('4. Route matching with 1, 20 and 200 patterns', matcher, r => [
      `\`createRouteMatcher(protected, public)\` with N protected and N public globs (literal prefixes, \`*\` and \`**\`),`,
      `\`isProtected\` on a mix of paths that hit the first pattern, the last one and none; ${int(r.iterations)} calls per`,
      `measurement, ${r.rounds} rounds with the sizes alternating, median. In-process (no HTTP).`,
      '',
      '| Patterns (each list) | ns per call | relative to 1 pattern |',
      '|---:|---:|---:|',
      ...r.rows.map(row => `| ${row.patterns} | ${int(row.ns)} | ${fixed(row.ratio)} |`),
      '',
      'The globs are compiled into one segment trie per list, so the cost follows the path\'s segments, not',
      'the number of patterns (literal segments are one Map lookup). A request with a valid Bearer token',
      'skips matching altogether.',
      ...(r.adversarial
        ? [
            '',
            'Several `*` in one segment, on one long segment that fails at its end (no RegExp: linear in the length):',
            '',
            '| Glob | segment length | ns per call |',
            '|---|---:|---:|',
            ...r.adversarial.map(row => `| \`${row.glob}\` | ${int(row.length)} | ${int(row.ns)} |`),
          ]
        : []),
    ].join('\n')),
    section('5. Client bundle', bundle, r => [
      'Client JavaScript of three production builds of the same one-page app: without an auth module,',
      'with nuxt-aegis (`useAuth()` on the page), with nuxt-auth-utils (`useUserSession()` on the page).',
      'The **base** is what a load of the index page fetches, read from the build\'s client manifest: the',
      'entry, the page\'s chunk and everything they import statically, each file gzipped (level 9) as it',
      'is served. "joined" is the same code gzipped as one file: the difference is what splitting it into',
      'chunks costs.',
      '',
      '| App | base JS files | raw | gzip | gzip joined | added to the baseline (gzip) |',
      '|---|---:|---:|---:|---:|---:|',
      `| baseline | ${r.baseline.base.files} | ${kb(r.baseline.base.raw)} | ${kb(r.baseline.base.gzip)} | ${kb(r.baseline.base.gzipJoined)} | |`,
      `| nuxt-aegis | ${r.aegis.base.files} | ${kb(r.aegis.base.raw)} | ${kb(r.aegis.base.gzip)} | ${kb(r.aegis.base.gzipJoined)} | **${kb(r.aegis.added)}** (${int(r.aegis.added)} B; joined ${int(r.aegis.base.gzipJoined - r.baseline.base.gzipJoined)} B) |`,
      `| nuxt-auth-utils | ${r.authUtils.base.files} | ${kb(r.authUtils.base.raw)} | ${kb(r.authUtils.base.gzip)} | ${kb(r.authUtils.base.gzipJoined)} | **${kb(r.authUtils.added)}** (${int(r.authUtils.added)} B) |`,
      '',
      'Loaded on first use (nuxt-aegis; gzip of the files each adds to the base):',
      '',
      '| Chunk | loaded when | files | gzip |',
      '|---|---|---:|---:|',
      ...r.aegis.lazy.map(chunk => `| ${chunk.name} | ${chunk.when ?? LAZY_WHEN[chunk.name] ?? ''} | ${chunk.files} | ${kb(chunk.gzip)} |`),
      '',
      ...(r.reference
        ? [`No lazy chunk is in the base (${r.aegis.lazyInBase?.length ? `**found: ${r.aegis.lazyInBase.join(', ')}**` : 'checked in the manifest'}). Against commit ${r.reference.commit}`,
            `(${int(r.reference.added)} B added to the baseline), the base at ${r.commit} adds ${int(r.aegis.added - r.reference.added)} B gzip: the client calls added since`,
            '(`useAuth()` methods and the client\'s own code); the code behind them is in the chunks above.']
        : []),
      '',
      'nuxt-aegis ships more to the browser by design: the access token lives in memory in the client,',
      'which refreshes it before expiry (single flight per tab, across tabs), attaches it to requests and',
      'retries once, and guards pages. nuxt-auth-utils keeps the session in a cookie the browser never',
      'reads. Rarely used code is in lazy chunks (`src/runtime/app/lazy/`, see docs/architecture.md).',
      'The aegis build splits Nuxt\'s and Vue\'s code into more shared chunks than the baseline (its pages',
      'and lazy chunks share them), which costs the difference between "gzip" and "gzip joined".',
    ].join('\n')),
    section('6. Memory after 100,000 CODEs', memory, r => [
      `The aegis server (memory CODE store, started with \`--expose-gc\`; garbage collected before each reading).`,
      `${int(r.total)} CODEs issued in batches through the bench-only route (${fixed(r.issueSeconds, 1)} s), then no request`,
      `at all for ${2 * r.ttl + 2} s. The CODE lifetime is shortened to ${r.ttl} s for the run (\`NUXT_AEGIS_AUTH_CODE_EXPIRES_IN\`;`,
      'default 60 s) so it does not wait minutes.',
      '',
      '| | V8 heap in use | resident set (RSS) |',
      '|---|---:|---:|',
      `| before | ${mb(r.before.heapUsed)} | ${mb(r.before.rss)} |`,
      `| right after ${int(r.total)} CODEs | ${mb(r.afterIssue.heapUsed)} | ${mb(r.afterIssue.rss)} |`,
      `| after they expired, idle | ${mb(r.afterExpiry.heapUsed)} | ${mb(r.afterExpiry.rss)} |`,
      '',
      'The store keeps at most 10,000 live CODEs (and as many used-CODE tombstones), so the heap grows by a',
      'bounded amount however many CODEs are issued, and its timer sweep frees them after expiry without any',
      'further request: the heap returns to where it started. RSS does not fall back the same way: V8 and',
      'the allocator keep pages they used for the burst\'s short-lived garbage (request bodies, JSON)',
      'for reuse; that is the process, not retained CODEs.',
      ...refusedLines(r.refused),
    ].join('\n')),
    '',
    ...PROFILE_NOTES,
  ]
  return `${lines.join('\n')}\n`
}

/** 6b: refused password logins with random emails, per credentials store. */
function refusedLines(runs) {
  if (!Array.isArray(runs) || runs.length === 0) return []
  const first = runs[0]
  const label = store => store === 'aegis-memory' ? 'module memory driver (default)' : 'unstorage memory driver (before)'
  const statuses = run => Object.entries(run.statuses).map(([status, count]) => `${int(count)} × ${status}`).join(', ')
  return [
    '',
    `### Refused logins: ${int(first.total)} password logins with random emails`,
    '',
    `Each a \`POST /auth/password/login\` with an email never seen before, from one IP over its limit`,
    `(1 per hour for the run, so all but the first are 429), 32 clients. The per-email window is shortened`,
    `to ${first.window} s; the last reading follows ${first.idle} s without any request (the window and one sweep of`,
    'the store, every 60 s). "entries" is the size of the credentials store (`aegis:credentials`).',
    '',
    '| store | requests (answers) | heap before | right after | after idle | RSS before | right after | after idle | entries right after | after idle |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...runs.map(run => `| ${label(run.store)} | ${int(run.total)} in ${fixed(run.seconds, 1)} s (${statuses(run)}) | ${mb(run.before.heapUsed)} | ${mb(run.afterFlood.heapUsed)} | ${mb(run.afterExpiry.heapUsed)} | ${mb(run.before.rss)} | ${mb(run.afterFlood.rss)} | ${mb(run.afterExpiry.rss)} | ${int(run.afterFlood.credentials.entries)} | ${int(run.afterExpiry.credentials.entries)} |`),
    '',
    'The module\'s memory driver honours each counter\'s TTL, sweeps expired ones and caps the store at',
    '100,000 entries, so the heap returns to its starting point once the window has passed. unstorage\'s',
    'memory driver ignores TTLs: every random email\'s counter stays until the process restarts.',
  ]
}
