package web

import "io/fs"

// ContributePage returns the page a member opens at /contribute/{id}#t=TOKEN
// to add photos and a song to a session's collage. It needs the same
// Content-Security-Policy as the listen page.
func ContributePage() []byte {
	b, _ := fs.ReadFile(Static(), "contribute.html")
	return b
}
