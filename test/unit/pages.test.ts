import { describe, expect, it } from 'vitest'
import type { NuxtPage } from '@nuxt/schema'
import { addModulePages, resolvePageTexts } from '../../src/setup/pages'
import { pageTextDefaults } from '../../src/setup/pages-options'

const routes = { callback: '/auth/callback', error: '/auth/error' }
const files = { callback: '/module/AegisCallback.vue', error: '/module/AegisError.vue' }

describe('the module\'s pages (DX-5)', () => {
  it('adds the callback and error pages when the app has none', () => {
    const pages: NuxtPage[] = [{ path: '/', file: '/app/index.vue' }]
    addModulePages(pages, routes, files)
    expect(pages.map(page => [page.path, page.file])).toEqual([['/', '/app/index.vue'], ['/auth/callback', files.callback], ['/auth/error', files.error]])
  })

  it('an app page at the same path replaces the module\'s (any case, trailing slash)', () => {
    const pages: NuxtPage[] = [{ path: '/auth/Callback/', file: '/app/callback.vue' }, { path: '/auth/error', file: '/app/error.vue' }]
    addModulePages(pages, routes, files)
    expect(pages.map(page => page.file)).toEqual(['/app/callback.vue', '/app/error.vue'])
  })

  it('texts: English defaults, configured ones win, empty strings fall back', () => {
    expect(resolvePageTexts(undefined)).toEqual(pageTextDefaults)
    const texts = resolvePageTexts({ callback: { signingIn: 'Anmeldung…', invalid: '' }, error: { title: 'Fehler', messages: { access_denied: 'Abgebrochen.' } } })
    expect(texts.callback).toEqual({ ...pageTextDefaults.callback, signingIn: 'Anmeldung…' })
    expect(texts.error.title).toBe('Fehler')
    expect(texts.error.messages).toEqual({ ...pageTextDefaults.error.messages, access_denied: 'Abgebrochen.' })
  })

  it('texts: the error page keeps its fixed set of codes', () => {
    const texts = resolvePageTexts({ error: { messages: { access_denied: 'x', made_up: 'reflected?' } as never } })
    expect(Object.keys(texts.error.messages).sort()).toEqual(Object.keys(pageTextDefaults.error.messages).sort())
  })

  it('resolving never changes the defaults', () => {
    const before = JSON.stringify(pageTextDefaults)
    const messages = pageTextDefaults.error.messages
    resolvePageTexts({ error: { title: 'changed', messages: { login_failed: 'changed' } } })
    resolvePageTexts(undefined).error.messages.login_failed = 'changed'
    expect(JSON.stringify(pageTextDefaults)).toBe(before)
    expect(pageTextDefaults.error.messages).toBe(messages)
  })
})
