package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// DistFS returns the built single-page application rooted at dist/: it holds
// index.html and the content-hashed files under assets/. A server should
// answer every non-API path that is not a file in it with index.html, so the
// client-side routes (/settings/api-keys, /settings/models, /settings/prompts)
// can be deep-linked and reloaded.
func DistFS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// Unreachable: "dist" is a valid, embedded directory name.
		panic(err)
	}
	return sub
}
