/** What a provider login needs of accounts (the oauth capability's entry into this one). */
export { useAccounts } from './registry'
export { completeLink } from './link'
export { takeLinkIntent } from './link-intent'
export { identityOf, resolveAccountUser } from './resolve'
