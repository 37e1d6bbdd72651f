// The texts of the module's pages, written at build time from `nuxtAegis.texts` (src/setup/pages.ts).
declare module '#nuxt-aegis-texts' {
  const texts: {
    callback: {
      signingIn: string
      signedIn: string
      invalid: string
      backToLogin: string
      mfaPrompt: string
      mfaCodeLabel: string
      mfaSubmit: string
      mfaInvalidCode: string
      mfaExpired: string
      mfaTooManyAttempts: string
    }
    error: { title: string, backToLogin: string, messages: Record<string, string> }
  }
  export default texts
}
