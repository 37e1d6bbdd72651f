// The small API handler every variant serves, here with no protection at all.
export default defineEventHandler(() => ({ ok: true, sub: 'anonymous' }))
