/** Options of redirects, route protection and endpoint paths (`nuxtAegis.redirect`, `routeProtection`, `endpoints`). */
export interface RedirectOptions {
  /** Where to send a user who must log in. @default '/' */
  login?: string
  /** Where to go after logout. @default '/' */
  logout?: string
  /** Where to go after a successful login without `redirectTo`. @default '/' */
  success?: string
  /** Error page; receives `?error=<code>`. @default '/auth/error' */
  error?: string
}

export interface RouteProtectionOptions {
  /** Globs (`*` one segment, `**` any depth) that need a valid access token. @default [] */
  protectedRoutes?: string[]
  /** Globs that never need one; public wins over protected. @default [] */
  publicRoutes?: string[]
}

export interface EndpointOptions {
  /** Base path of every auth endpoint. @default '/auth' */
  authPath?: string
  /** Path of the current-user endpoint. @default '/api/user/me' */
  userInfoPath?: string
}
