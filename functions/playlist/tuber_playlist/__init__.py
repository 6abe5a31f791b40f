"""The playlist function: playlists and Watch later (docs/API.md "Playlists")."""
