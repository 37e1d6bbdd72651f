import { addComponent, addTemplate, extendPages } from '@nuxt/kit'
import type { NuxtPage } from '@nuxt/schema'
import { defu } from 'defu'
import type { SetupContext } from './context'
import { pageTextDefaults } from './pages-options'
import type { LoginErrorCode, PageTextsOptions, ResolvedPageTexts } from './pages-options'

/** Alias of the build-time module holding the pages' texts (only the page chunks import it). */
export const TEXTS_ALIAS = '#nuxt-aegis-texts'

/** The configured texts over the English defaults; empty strings fall back to the default. */
export function resolvePageTexts(texts: PageTextsOptions | undefined): ResolvedPageTexts {
  const clean = JSON.parse(JSON.stringify(texts ?? {}, (_key, value) => (value === '' ? undefined : value))) as PageTextsOptions
  const resolved = defu(clean, structuredClone(pageTextDefaults)) as ResolvedPageTexts
  // The error page shows only its fixed codes: a configured message for another code is dropped.
  const codes = Object.keys(pageTextDefaults.error.messages) as LoginErrorCode[]
  resolved.error.messages = Object.fromEntries(codes.map(code => [code, String(resolved.error.messages[code])])) as Record<LoginErrorCode, string>
  return resolved
}

/**
 * The module's pages, added only where the app has no page of its own: an app page at
 * `<authPath>/callback` or at `redirect.error` replaces the module's.
 */
export function addModulePages(pages: NuxtPage[], routes: { callback: string, error: string }, files: { callback: string, error: string }): void {
  const has = (path: string) => pages.some(page => page.path.replace(/\/+$/, '').toLowerCase() === path.replace(/\/+$/, '').toLowerCase())
  if (!has(routes.callback)) pages.push({ name: 'aegis-callback', path: routes.callback, file: files.callback })
  if (!has(routes.error)) pages.push({ name: 'aegis-error', path: routes.error, file: files.error })
}

/** The callback and error pages, their texts, and the `<AuthState>` component. */
export function setupPages({ nuxt, resolver, options: o, authPath }: SetupContext) {
  const texts = resolvePageTexts(o.texts)
  const template = addTemplate({ filename: 'nuxt-aegis/texts.mjs', getContents: () => `export default ${JSON.stringify(texts, null, 2)}\n`, write: true })
  nuxt.options.alias[TEXTS_ALIAS] = template.dst
  addComponent({ name: 'AuthState', filePath: resolver.resolve('./runtime/app/components/AuthState.vue') })
  extendPages((pages) => {
    addModulePages(pages, { callback: `${authPath}/callback`, error: o.redirect.error }, {
      callback: resolver.resolve('./runtime/app/pages/AegisCallback.vue'),
      error: resolver.resolve('./runtime/app/pages/AegisError.vue'),
    })
  })
}
