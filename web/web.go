// Package web holds the listen and join pages and their assets, embedded so
// that the server binary carries everything a browser needs and nothing is
// ever fetched from another host.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// Static returns the files to serve under /static/. The embed root is trimmed
// so that a file's name in the FS is its name in the URL.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		// fs.Sub fails only for an invalid name, and "static" is valid.
		return files
	}
	return sub
}

// ListenPage returns the HTML served at /listen/{id}. It is the same for every
// session: the page reads the id from its path and the token from its
// fragment, so the server never has to template anything into it.
func ListenPage() []byte {
	return page("static/listen.html")
}

// JoinPage returns the HTML served at /join/{id}: the member's page, to join
// with a microphone or just listen. Like the listen page it is the same for
// every session; the id comes from the path and the member token from the
// fragment. It needs the same Content-Security-Policy as the listen page.
func JoinPage() []byte {
	return page("static/join.html")
}

func page(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		// The file is embedded at build time, so this cannot happen in a
		// binary that compiled.
		return nil
	}
	return b
}
