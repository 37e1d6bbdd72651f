/**
 * The files a newcomer copies from README.md: every fenced `ts`/`vue` block whose first line
 * names its file (`// nuxt.config.ts`, `<!-- pages/login.vue -->`).
 */
import { readFileSync } from 'node:fs'

/** README snippets the packed check needs; a missing one fails the check (the README changed). */
export const REQUIRED_SNIPPETS = ['nuxt.config.ts', 'pages/login.vue', 'pages/dashboard.vue', 'server/api/private/hello.get.ts']

export function readmeFiles(readmePath: string): Map<string, string> {
  const readme = readFileSync(readmePath, 'utf8')
  const files = new Map<string, string>()
  for (const match of readme.matchAll(/^```(ts|vue)\n([\s\S]*?)^```$/gm)) {
    const body = match[2]!
    const first = body.split('\n', 1)[0]!.trim()
    const name = /^\/\/\s*([\w./-]+\.(?:ts|vue))\s*$/.exec(first)?.[1] ?? /^<!--\s*([\w./-]+\.vue)\s*-->$/.exec(first)?.[1]
    if (name) files.set(name, body)
  }
  const missing = REQUIRED_SNIPPETS.filter(name => !files.has(name))
  if (missing.length) throw new Error(`README.md lost the snippets ${missing.join(', ')} (a fenced block starting with a comment naming the file)`)
  return files
}
