// Package web holds the listen and join pages and their assets, embedded so
// that the server binary carries everything a browser needs and nothing is
// ever fetched from another host.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
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

// File is one embedded file ready to serve: its bytes, a gzip copy when that is smaller, and
// strong validators for each.
type File struct {
	Body, Gzip     []byte
	ETag, GzipETag string
	ContentType    string
}

// Files holds every file under static/, compressed once when the server starts.
type Files struct{ byName map[string]*File }

// NewFiles reads and compresses the embedded files.
func NewFiles() (*Files, error) {
	fsys := Static()
	f := &Files{byName: make(map[string]*File)}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		file := &File{Body: body, ContentType: ct, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(body); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if buf.Len() < len(body)*9/10 {
			file.Gzip = buf.Bytes()
			file.GzipETag = `"` + hex.EncodeToString(sum[:12]) + `-gz"`
		}
		f.byName[name] = file
		return nil
	})
	return f, err
}

// Get returns the file at name (a path under static/, without a leading slash).
func (f *Files) Get(name string) (*File, bool) {
	file, ok := f.byName[name]
	return file, ok
}
