// Nitro's own handler table, the one its app registers routes from (nitropack 2.x).
declare module '#nitro-internal-virtual/server-handlers' {
  export const handlers: Array<{ route: string, handler: unknown, lazy?: boolean, middleware?: boolean, method?: string }>
}
