import { describe, expect, it } from 'vitest'
import { safeRedirectPath } from '../../src/runtime/server/protection/redirects'

describe('[LOGIN-6] safeRedirectPath accepts same-origin relative paths', () => {
  it.each([
    ['/', '/'],
    ['/dashboard', '/dashboard'],
    ['/a/b?x=1#h', '/a/b?x=1#h'],
    ['/caf%C3%A9', '/caf%C3%A9'],
    ['/a/../b', '/b'],
  ])('%s → %s', (input, expected) => {
    expect(safeRedirectPath(input)).toBe(expected)
  })
})

describe('[LOGIN-6] safeRedirectPath rejects anything that could leave the origin', () => {
  it.each([
    ['protocol-relative', '//evil.com'],
    ['protocol-relative with path', '//evil.com/a'],
    ['slash backslash', '/\\evil.com'],
    ['backslash inside', '/a\\b'],
    ['encoded slashes', '/%2F%2Fevil'],
    ['encoded slashes, lower case', '/%2f%2fevil.com'],
    ['encoded backslash', '/%5cevil'],
    ['encoded backslash, upper case', '/%5Cevil.com'],
    // Conservative: an encoded slash is refused anywhere, also in the query.
    ['encoded slash in the query', '/a/b?next=%2F%2Fevil.com'],
    ['absolute https URL', 'https://evil.com'],
    ['absolute http URL', 'http://evil.com/'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['data scheme', 'data:text/html,<script>alert(1)</script>'],
    ['relative without slash', 'evil.com'],
    ['userinfo', '/a@b'],
    ['userinfo host', '/@evil.com'],
    ['tab', '/\t/evil.com'],
    ['newline', '/a\nb'],
    ['carriage return', '/a\rLocation: x'],
    ['NUL', '/a\u0000'],
    ['DEL', '/a\u007F'],
    ['encoded NUL', '/a%00'],
    ['encoded CR LF', '/a%0d%0aSet-Cookie:x=1'],
    ['encoded tab', '/%09/evil.com'],
    ['undecodable', '/a%zz'],
    ['empty', ''],
    ['very long', `/${'a'.repeat(2048)}`],
    // The URL parser resolves dot segments: these would come out as `//evil.com`.
    ['dot segment then double slash', '/.//evil.com'],
    ['dot-dot then double slash', '/a/..//evil.com'],
    ['encoded dot then double slash', '/%2e//evil.com'],
    ['encoded dot-dot then double slash', '/a/%2e%2e//evil.com'],
  ])('%s: %j', (_label, input) => {
    expect(safeRedirectPath(input)).toBeUndefined()
  })

  it.each([undefined, null, 42, ['/a'], { toString: () => '/a' }, true])('non-string %j', (input) => {
    expect(safeRedirectPath(input)).toBeUndefined()
  })

  it('accepts a path at the length limit and refuses one that grows past it when normalized', () => {
    expect(safeRedirectPath(`/${'a'.repeat(1023)}`)).toHaveLength(1024)
    expect(safeRedirectPath(`/${'a'.repeat(1024)}`)).toBeUndefined()
    // 400 characters that percent-encode to 2400.
    expect(safeRedirectPath(`/${'é'.repeat(400)}`)).toBeUndefined()
  })
})
