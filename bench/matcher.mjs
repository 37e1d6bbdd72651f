/**
 * 4. Route matching cost with 1, 20 and 200 protected patterns (plus as many public ones):
 * nanoseconds per `isProtected` call of the compiled matcher from `createRouteMatcher`, on a
 * mix of request paths that hit the first, the last and no pattern. In-process micro-bench;
 * the sizes alternate in rounds and the median is reported.
 */
import { QUICK, median, rotate } from './lib/shared.mjs'

const SIZES = [1, 20, 200]

/** Realistic globs: literal prefixes, `*` segments, `**` tails. */
function globs(count, kind) {
  return Array.from({ length: count }, (_, i) => {
    switch (i % 4) {
      case 0: return `/${kind}/service-${i}/**`
      case 1: return `/${kind}/v${i}/*/items/**`
      case 2: return `/app/${kind}-${i}/*/edit`
      default: return `/${kind}-area-${i}/**`
    }
  })
}

/** Paths a server sees: under the first pattern, under the last, and paths matching none. */
function paths(count) {
  return [
    '/api/service-0/users/42',
    `/api/${['service', 'v', 'app', 'area'][(count - 1) % 4]}-${count - 1}/x`,
    `/app/api-${count - 1}/7/edit`,
    '/_nuxt/entry.abc123.js',
    '/about',
    '/blog/2026/11/some-long-article-slug',
    '/api/unknown/route',
    '/favicon.ico',
  ]
}

export async function benchMatcher() {
  // Node runs the TypeScript source directly (type stripping): the exact code the server bundles.
  const { createRouteMatcher, normalizePath } = await import('../src/runtime/server/protection/paths.ts')
  const rounds = QUICK ? 3 : 15
  const iterations = QUICK ? 20_000 : 200_000
  const cases = Object.fromEntries(SIZES.map((size) => {
    const matcher = createRouteMatcher(globs(size, 'api'), globs(size, 'public'))
    return [size, { matcher, paths: paths(size).map(path => normalizePath(path)) }]
  }))
  const nsPerCall = Object.fromEntries(SIZES.map(size => [size, []]))
  let sink = 0
  // Warm-up: every matcher compiled by the JIT before anything is timed.
  for (const size of SIZES) {
    for (let i = 0; i < iterations; i++) sink += cases[size].matcher.isProtected(cases[size].paths[i % 8]) ? 1 : 0
  }
  for (let round = 0; round < rounds; round++) {
    for (const size of rotate(SIZES, round)) {
      const { matcher, paths: list } = cases[size]
      const started = process.hrtime.bigint()
      for (let i = 0; i < iterations; i++) {
        if (matcher.isProtected(list[i % list.length])) sink++
      }
      nsPerCall[size].push(Number(process.hrtime.bigint() - started) / iterations)
    }
  }
  if (sink === 0) throw new Error('no path matched: the bench paths do not exercise the matcher')
  const base = median(nsPerCall[1])
  return {
    rounds,
    iterations,
    rows: SIZES.map(size => ({ patterns: size, ns: median(nsPerCall[size]), ratio: median(nsPerCall[size]) / base })),
  }
}
