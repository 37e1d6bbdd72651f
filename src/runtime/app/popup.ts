/**
 * The part of the popup login that runs during the click: opening the window. Browsers allow a
 * popup only while the click is being handled, before any `await`, so this stays in the base
 * bundle; waiting for the popup's report is in the lazy chunk `./lazy/popup.ts`.
 */

import { POPUP_NAME } from './state'

export { POPUP_NAME }

/** Opens the login popup, centred on this window. `null` when the browser blocked it. */
export function openLoginPopup(url: string): Window | null {
  const width = 500
  const height = 640
  const left = Math.max(0, Math.round(window.screenX + (window.outerWidth - width) / 2))
  const top = Math.max(0, Math.round(window.screenY + (window.outerHeight - height) / 2))
  try {
    return window.open(url, POPUP_NAME, `popup=yes,width=${width},height=${height},left=${left},top=${top}`)
  }
  catch {
    return null
  }
}
