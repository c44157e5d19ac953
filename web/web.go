// Package web holds the listener's page and its assets, embedded so that the
// server binary carries everything a listener's browser needs and nothing is
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
	b, err := files.ReadFile("static/listen.html")
	if err != nil {
		// The file is embedded at build time, so this cannot happen in a
		// binary that compiled.
		return nil
	}
	return b
}
