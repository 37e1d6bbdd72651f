// Bench only: the trivial route the refresh and CODE-exchange rows are compared with (same server,
// same 50 closed-loop clients): what a request costs that does no work of its own.
export default defineEventHandler(() => ({ ok: true }))
