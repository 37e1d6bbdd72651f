interface SpotifyArtist { id: string, name: string, genres: string[], images: { url: string }[], external_urls: { spotify: string } }

// Your top artists from Spotify's Web API, called on the server with the Spotify access token
// kept with the session (keepTokens); getProviderToken refreshes it when it is about to expire.
export default defineEventHandler(async (event) => {
  const token = await getProviderToken(event, 'spotify')
  const top = await $fetch<{ items: SpotifyArtist[] }>('https://api.spotify.com/v1/me/top/artists', {
    query: { limit: 10, time_range: 'medium_term' },
    headers: { authorization: `Bearer ${token}` },
  })
  return {
    provider: 'spotify',
    artists: top.items.map(artist => ({
      id: artist.id,
      name: artist.name,
      genres: artist.genres.slice(0, 3),
      image: artist.images.at(-1)?.url ?? null,
      url: artist.external_urls.spotify,
    })),
  }
})
