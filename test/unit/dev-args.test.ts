import { describe, expect, it } from 'vitest'
import { devArgs } from '../../scripts/dev-args.mjs'

describe('npm run dev arguments (DX-3)', () => {
  it('defaults to PORT, else 3000', () => {
    expect(devArgs([], {})).toMatchObject({ port: 3000, nuxiArgs: ['dev', 'playground', '--port', '3000'] })
    expect(devArgs([], { PORT: '3100' })).toMatchObject({ port: 3100, nuxiArgs: ['dev', 'playground', '--port', '3100'] })
  })

  it.each([
    [['--port', '4000']],
    [['--port=4000']],
    [['-p', '4000']],
  ])('reads the port from %j and passes the arguments through', (argv) => {
    const { port, nuxiArgs, redirectUris } = devArgs(argv, { PORT: '3100' })
    expect(port).toBe(4000)
    expect(nuxiArgs).toEqual(['dev', 'playground', ...argv])
    expect(redirectUris).toEqual(['http://localhost:4000/auth/oidc', 'http://127.0.0.1:4000/auth/oidc'])
  })

  it('passes other nuxi options through and adds a named host to the redirect URIs', () => {
    const { nuxiArgs, redirectUris } = devArgs(['--host', 'dev.local', '--open'], {})
    expect(nuxiArgs).toEqual(['dev', 'playground', '--host', 'dev.local', '--open', '--port', '3000'])
    expect(redirectUris).toContain('http://dev.local:3000/auth/oidc')
  })

  it('a wildcard host adds no redirect URI', () => {
    expect(devArgs(['--host', '0.0.0.0'], {}).redirectUris).toEqual(['http://localhost:3000/auth/oidc', 'http://127.0.0.1:3000/auth/oidc'])
  })

  it('refuses a port that is not one', () => {
    expect(() => devArgs(['--port', 'abc'], {})).toThrow('invalid port')
  })
})
