/**
 * What sign-in methods need of accounts (the other capabilities' entry into this one): a provider
 * login (resolveUser, completing a link), and a method with its own record (a passkey: linked
 * before it is stored, its record removed when it is unlinked).
 */
export { useAccounts } from './registry'
export { completeLink, linkThenStore, registerIdentityRemover, unlink } from './link'
export { takeLinkIntent } from './link-intent'
export { identityOf, resolveAccountUser } from './resolve'
