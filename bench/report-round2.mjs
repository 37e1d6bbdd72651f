/**
 * The parts of the results page added for issue 19 (performance, round 2): the refresh table
 * against the trivial route, the storm and SSR-with-a-session sections, and the hand-written
 * profile notes. report.mjs puts them on the page.
 */
const int = value => Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
const fixed = (value, digits = 2) => Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
const loadsText = loads => Array.isArray(loads) && loads.length ? ` Load average (1 min) after each round: ${loads.map(l => fixed(l, 1)).join(', ')} on 2 cores.` : ''

/** Section 2's table: each driver against the trivial route of the same server, same clients. */
export function refreshRows(r) {
  if (!r.rows.some(row => row.ratio !== undefined)) {
    return ['| Driver | req/s (median) | p50 | p99 |', '|---|---:|---:|---:|', ...r.rows.map(row => `| ${row.driver} | ${int(row.rps)} | ${fixed(row.p50, 1)} ms | ${fixed(row.p99, 1)} ms |`)]
  }
  const memory = r.rows.find(row => row.driver === 'memory')
  const redis = r.rows.find(row => row.driver === 'redis')
  return [
    '| | req/s (median) | p50 | p99 | server CPU per request | ratio to trivial, req/s | ratio to trivial, CPU |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(row => `| ${row.driver === 'trivial' ? 'trivial route (`GET /bench/ping`)' : row.driver} | ${int(row.rps)} | ${fixed(row.p50, 1)} ms | ${fixed(row.p99, 1)} ms | ${fixed(row.cpuUs, 0)} µs | ${fixed(row.ratio)} | ${fixed(row.cpuRatio)} |`),
    '',
    `Ratios are medians of per-round ratios (each round's refresh divided by the same round's trivial route on the memory server).${loadsText(r.loads)}`,
    ...(memory ? [`Target memory ≥ ${r.target}× the trivial route: **${memory.ratio >= r.target ? 'met' : 'not met'}** by req/s (${fixed(memory.ratio)}), **${memory.cpuRatio >= r.target ? 'met' : 'not met'}** by CPU time (${fixed(memory.cpuRatio)}); p99 ≤ ${r.targetP99} ms: **${memory.p99 <= r.targetP99 ? 'met' : 'not met'}** (${fixed(memory.p99, 1)} ms; the trivial route's own p99 in this run: ${fixed(r.rows[0].p99, 1)} ms).`] : []),
    ...(memory && redis ? [`Redis within 1.5× of memory: **${memory.rps / redis.rps <= 1.5 ? 'met' : 'not met'}** (memory/redis ${fixed(memory.rps / redis.rps)} by req/s, ${fixed(redis.cpuUs / memory.cpuUs)} by the server's CPU per request, Redis' own CPU not counted).`] : []),
  ]
}

/** Sections 2b (storm) and 2c (SSR with a session). */
export function round2Sections(results, section) {
  const { storm, ssr } = results
  return [
    section('2b. Storm: 40 users × 3 tabs refreshing together (memory driver)', storm, r => [
      `Each user's ${r.tabs} tabs send the same refresh cookie at the same moment, wait for all ${r.tabs} answers, keep the`,
      'new cookie and go again: one request rotates, the two others queue behind it in the process (one',
      'line per token, no polling) and are given the same successor. The reference is a plain refresh at the',
      `same load: ${r.users * r.tabs} closed-loop clients with a session each. ${r.rounds} rounds of ${r.duration} s, alternating. The run fails if`,
      'a refresh fails or the tabs of a user end up with different cookies.',
      '',
      '| | req/s (median) | p50 | p99 | server CPU per request |',
      '|---|---:|---:|---:|---:|',
      ...r.rows.map(row => `| ${row.id === 'storm' ? `storm (${r.users} × ${r.tabs} tabs)` : `reference (${r.users * r.tabs} sessions)`} | ${int(row.rps)} | ${fixed(row.p50, 1)} ms | ${fixed(row.p99, 1)} ms | ${fixed(row.cpuUs, 0)} µs |`),
      '',
      `p99 storm / reference (median of rounds): ${fixed(r.p99Ratio)}; per round ${r.perRound.map(x => fixed(x)).join(', ')}. Target ≤ ${r.target}: **${r.p99Ratio <= r.target ? 'met' : 'not met'}**.${loadsText(r.loads)}`,
    ].join('\n')),
    section('2c. SSR with a session', ssr, r => [
      'The same server-rendered page (`GET /` of the aegis bench app, a document request) for a logged-in',
      'browser (its refresh cookie: the module looks the session up read-only and renders the user into',
      `the page) and for an anonymous one; 10 connections, ${r.rounds} rounds of ${r.duration} s, alternating. Checked first: the`,
      'page shows the user with the cookie and the login button without.',
      '',
      '| | req/s (median) | p99 | server CPU per request |',
      '|---|---:|---:|---:|',
      ...r.rows.map(row => `| ${row.id} | ${int(row.rps)} | ${fixed(row.p99, 0)} ms | ${fixed(row.cpuUs, 0)} µs |`),
      '',
      `logged-in / anonymous: ${fixed(r.ratio)} by req/s, ${fixed(r.cpuRatio)} by CPU time; per round ${r.perRound.map(x => fixed(x)).join(', ')}. Target ≥ ${r.target}: **${r.ratio >= r.target ? 'met' : 'not met'}** by req/s, **${r.cpuRatio >= r.target ? 'met' : 'not met'}** by CPU time.${loadsText(r.loads)}`,
    ].join('\n')),
  ]
}

/**
 * Hand-written, not measured by `npm run bench`: what `node bench/profile.mjs refresh` showed and
 * what changed because of it, kept here so a regenerated page keeps it. Update it when you profile again.
 */
export const PROFILE_NOTES = [
  '## Profile of `POST /auth/refresh` (by hand, `node bench/profile.mjs refresh`)',
  '',
  'CPU profiles of the aegis bench app (memory driver) under 50 closed-loop clients, 2 December 2026,',
  'taken while the machine ran other agents\' builds and tests (load average 3 to 10 on 2 cores: the',
  'throughput of a profiled run says little; the shares are what to read). Inclusive time, before the',
  'changes of issue 19 item 3: signing the access token 22 % (jose through WebCrypto: the key imported',
  'and a job queued per token, `crypto/util` jobs 15 %), `hkdfSync` for the key that seals the successor',
  '5 %, `randomBytes` 5 % (one system call per token id, secret, lease, IV and `jti`, about 7 µs each),',
  'storage calls 5 % (the token read three times, the family twice, each through `destr` and again',
  'through `JSON.stringify` for the compare-and-set version), the rotation lock 2 %, garbage',
  'collection 7 %, cookies (h3 `setCookie` parses every Set-Cookie already set) 6 %.',
  '',
  'Changed: HS256 tokens are signed with one synchronous `node:crypto` HMAC over a key object made',
  'once (header encoded once; jose still signs RS256/ES256/EdDSA and verifies everything); the',
  'successor key is HKDF-Expand alone (one HMAC: the secret is already 256 uniformly random bits,',
  'RFC 5869 §3.3; successors sealed by the former full HKDF still open inside their reuse interval);',
  'token ids, secrets, `jti`, lock leases and AES-GCM IVs come from a 4 KiB pool of `randomFillSync`',
  '(each byte handed out once); with memory locks (one process) a rotation takes no lock and does not',
  'read the token again (the per-token queue in the process and the compare-and-set already decide);',
  'with Redis locks it still takes the lock but no longer re-reads under it (the compare-and-set over',
  'the first read decides) and does not wait for the release.',
  '',
  'Before and after, in one run with the two builds side by side and the variants alternating',
  '(`node bench/compare.mjs <checkout of 8c0400e> 3 5`: memory driver, 50 closed-loop clients, 3 rounds',
  'of 5 s, load average 6.6 to 9 on 2 cores, 2 December 2026), server CPU per request and the ratio',
  'to the same build\'s trivial route:',
  '',
  '| | before (8c0400e) | after | ratio to trivial by CPU, before → after |',
  '|---|---:|---:|---:|',
  '| trivial route | 55 µs | 46 µs | 1 |',
  '| `POST /auth/refresh` | 450 µs | 201 µs | 0.11 → 0.23 |',
  '| `POST /auth/token` | 658 µs | 402 µs | 0.08 → 0.11 |',
  '',
  'An earlier run of the same comparison (load 6 to 8): refresh 534 → 234 µs, token 698 → 577 µs.',
  '',
  'Left, in the same order (after the changes): garbage collection 10 %, socket writes 8 %, h3 and',
  'Nitro routing and the response 12 %, the two cookies 11 % (`context/cookies.ts`, h3\'s `setCookie`),',
  'unstorage\'s key normalisation and `destr` 6 %, sealing the successor (AES-GCM) 7 %, the',
  '`nuxt-aegis:refresh` hook with its fingerprint 3 %, the same-origin check 3 %. Not done: reading',
  'records with `getItemRaw` so the version text needs no second `JSON.stringify` (the unit tests',
  'gate on `getItem`), and noting the last refresh on the family less often than on every refresh',
  '(a compare-and-set per refresh; the session list shows the time).',
  '',
  '## Where issue 19 stands (by hand)',
  '',
  '- Refresh on memory: 0.30× the trivial route by req/s, 0.24× by CPU (target 0.35×): not met. What is',
  '  left is mostly not the session store: a refresh still costs about 4× a request that does nothing',
  '  (208 vs 50 µs) in garbage collection, the two Set-Cookie headers, h3 and the socket (see above); 0.35×',
  '  by CPU would need about 140 µs. p99 ≤ 10 ms is out of reach on this machine at 50 clients while',
  '  other agents load it: the trivial route\'s own p99 was 46 ms in the same run.',
  '- Redis: memory/redis 1.67 by req/s, 1.52 by the server\'s CPU (target ≤ 1.5): not met, close. A',
  '  rotation on Redis is still six round trips (token, family, lock, new token, compare-and-set of the',
  '  parent, compare-and-set of the family) plus the release that is no longer waited for.',
  '- `POST /auth/token`: 0.11× by CPU (was 0.08×), target 0.35×: not met. Its cost is creating the',
  '  session: the per-identity and per-sub indexes and the day bucket are each read and written under',
  '  a lock (`session-index.ts`), three locked read-modify-writes per login.',
  '- Bearer hot path by CPU with the revocation list on (section 1, this run, load 8 to 11): protected /',
  '  open 1.14× (sync), 1.18× (async), 1.16× with 10,000 revoked sessions (target ≤ 1.05×): not met in',
  '  this run, against 1.09× and 1.06× in the last full run on a quieter machine; (b3)/(a) by req/s 1.06',
  '  (target ≥ 0.95, met, but its rounds ranged 0.68 to 1.24). Nothing was changed on that path here.',
  '- Storm (2b): p99 1.32× a plain refresh at the same load (target ≤ 2×): met.',
  '- SSR with a session (2c): 1.12× by req/s, 0.93× by CPU (target ≥ 0.9×): met.',
  '- Cross-instance lock waits woken by Redis pub/sub: not done (they still poll, 10 ms backing off to',
  '  100 ms; in one process waiters already wait on the holder).',
]
