/** Texts of the module's own pages (`nuxtAegis.texts`): translate them, or replace the pages. */
export interface CallbackPageTexts {
  /** While the CODE is exchanged. @default 'Signing you in…' */
  signingIn?: string
  /** In a login popup once its opener has the session. @default 'Signed in. You can close this window.' */
  signedIn?: string
  /** The CODE is missing, used or expired. @default 'This login link is invalid or has expired. Please log in again.' */
  invalid?: string
  /** The link to `redirect.login`. @default 'Back to login' */
  backToLogin?: string
  /** Above the code form when the login needs its second factor (`mfa`). @default 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.' */
  mfaPrompt?: string
  /** The code field's label. @default 'Code' */
  mfaCodeLabel?: string
  /** The form's button. @default 'Verify' */
  mfaSubmit?: string
  /** A wrong or already used code (the form stays). @default 'That code is not valid. Please try again.' */
  mfaInvalidCode?: string
  /** The step expired or had too many wrong codes: the login starts over. @default 'This sign-in has expired or had too many wrong codes. Please log in again.' */
  mfaExpired?: string
  /** Over the rate limit (429). @default 'Too many attempts. Please wait a few minutes and try again.' */
  mfaTooManyAttempts?: string
}

/** The error codes the error page shows (`?error=<code>`; anything else shows `login_failed`). */
export type LoginErrorCode = 'access_denied' | 'invalid_state' | 'provider_error' | 'login_failed' | 'provider_disabled' | 'invalid_code'

export interface ErrorPageTexts {
  /** The page's heading. @default 'Login failed' */
  title?: string
  /** The link to `redirect.login`. @default 'Back to login' */
  backToLogin?: string
  /** One message per error code. */
  messages?: Partial<Record<LoginErrorCode, string>>
}

export interface PageTextsOptions {
  callback?: CallbackPageTexts
  error?: ErrorPageTexts
}

export const pageTextDefaults = {
  callback: {
    signingIn: 'Signing you in…',
    signedIn: 'Signed in. You can close this window.',
    invalid: 'This login link is invalid or has expired. Please log in again.',
    backToLogin: 'Back to login',
    mfaPrompt: 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.',
    mfaCodeLabel: 'Code',
    mfaSubmit: 'Verify',
    mfaInvalidCode: 'That code is not valid. Please try again.',
    mfaExpired: 'This sign-in has expired or had too many wrong codes. Please log in again.',
    mfaTooManyAttempts: 'Too many attempts. Please wait a few minutes and try again.',
  },
  error: {
    title: 'Login failed',
    backToLogin: 'Back to login',
    messages: {
      access_denied: 'The login was cancelled or denied at the provider.',
      invalid_state: 'The login could not be verified (it may have expired or been opened in another browser). Please try again.',
      provider_error: 'The identity provider reported an error. Please try again later.',
      login_failed: 'The login could not be completed. Please try again.',
      provider_disabled: 'This login method is not available.',
      invalid_code: 'This login link is invalid or has expired. Please log in again.',
    } as Record<LoginErrorCode, string>,
  },
}

export type ResolvedPageTexts = typeof pageTextDefaults
