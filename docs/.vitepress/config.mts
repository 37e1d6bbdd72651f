import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitepress'
import type { DefaultTheme } from 'vitepress'

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..')
const REPO = 'https://github.com/nuxt-aegis/nuxt-aegis'

/** Heading ids as GitHub makes them, so `page.md#anchor` links work on GitHub and on the site alike. */
function githubSlug(text: string): string {
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replace(/ /g, '-')
}

/** The first `# ` heading of a page (its title in the sidebar). */
function title(file: string): string {
  const heading = /^# (.+)$/m.exec(readFileSync(join(DOCS, file), 'utf8'))?.[1] ?? file
  return heading.replace(/`/g, '').replace(/:.*$/, '')
}

// Pages in reading order; a page that is not listed (a new feature's) still appears, under "More".
const GROUPS: Array<[string, string[]]> = [
  ['Guide', ['getting-started.md', 'configuration.md', 'client-api.md', 'server-api.md', 'route-protection.md', 'ssr.md', 'devtools.md']],
  ['Logins', ['providers/README.md', 'mock-provider.md', 'password.md', 'provider-tokens.md']],
  ['Sessions and tokens', ['sessions.md', 'other-services.md', 'websockets.md']],
  ['Running it', ['deployment.md', 'security.md', 'architecture.md', 'benchmarks.md']],
]

function sidebar(): DefaultTheme.SidebarItem[] {
  const link = (file: string) => `/${file.replace(/\.md$/, '')}`
  const pages = readdirSync(DOCS).filter(file => file.endsWith('.md') && file !== 'index.md')
  const providers = readdirSync(join(DOCS, 'providers')).filter(file => file.endsWith('.md') && file !== 'README.md').map(file => `providers/${file}`)
  const listed = new Set(GROUPS.flatMap(([, files]) => files))
  const groups: DefaultTheme.SidebarItem[] = GROUPS.map(([text, files]) => ({
    text,
    items: files.filter(file => file.startsWith('providers/') || pages.includes(file)).map(file => ({
      text: title(file),
      link: link(file),
      ...(file === 'providers/README.md' ? { collapsed: false, items: providers.map(p => ({ text: title(p), link: link(p) })) } : {}),
    })),
  }))
  const more = pages.filter(file => !listed.has(file)).sort()
  if (more.length) groups.push({ text: 'More', items: more.map(file => ({ text: title(file), link: link(file) })) })
  return groups
}

export default defineConfig({
  title: 'nuxt-aegis',
  description: 'OAuth 2.0 / OpenID Connect login for Nuxt with bearer JWTs and revocable, rotating refresh tokens',
  lang: 'en',
  srcExclude: ['**/node_modules/**'],
  // No build-time link is left unchecked: a dead internal link fails `npm run docs:build`.
  ignoreDeadLinks: false,
  lastUpdated: false,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  themeConfig: {
    nav: [{ text: 'Getting started', link: '/getting-started' }, { text: 'Configuration', link: '/configuration' }, { text: 'Changelog', link: `${REPO}/blob/main/CHANGELOG.md` }],
    sidebar: sidebar(),
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    socialLinks: [{ icon: 'github', link: REPO }],
  },
  markdown: {
    anchor: { slugify: githubSlug },
    config(md) {
      // Links that leave docs/ (../examples/..., ../CHANGELOG.md) point at the repository on GitHub.
      md.core.ruler.push('aegis-repo-links', (state) => {
        const from = posix.dirname((state.env as { relativePath?: string }).relativePath ?? '')
        for (const token of state.tokens) {
          for (const child of token.children ?? []) {
            if (child.type !== 'link_open') continue
            const href = child.attrGet('href')
            if (!href || /^[a-z]+:|^#|^\//i.test(href)) continue
            const target = posix.normalize(posix.join(from, href))
            if (target.startsWith('../')) child.attrSet('href', `${REPO}/blob/main/${target.slice(3)}`)
          }
        }
      })
    },
  },
})
