package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hearth/web"
)

// contentSecurityPolicy allows only the page's own scripts and connections: no third parties, ever.
const contentSecurityPolicy = "default-src 'self'; media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// Pages and static files carry no tokens (the pages read theirs from the URL's fragment), so they
// may be cached and kept in the back/forward cache: static files for a few minutes, pages
// revalidated on each visit by their ETag. Only token-bearing API answers are no-store.
const (
	staticCache = "public, max-age=300"
	pageCache   = "no-cache"
)

func (s *Server) pages(r *gin.Engine) {
	files, err := web.NewFiles()
	if err != nil {
		// The files are embedded at build time; this is a broken build.
		s.log.Error("embedded web files", "err", err)
		files = &web.Files{}
	}
	r.GET("/static/*path", func(c *gin.Context) {
		serveFile(c, files, strings.TrimPrefix(c.Param("path"), "/"), staticCache)
	})
	page := func(route, name string, extra func(http.Header)) {
		r.GET(route, func(c *gin.Context) {
			h := c.Writer.Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			if extra != nil {
				extra(h)
			}
			serveFile(c, files, name, pageCache)
		})
	}
	page("/listen/:id", "listen.html", nil)
	page("/join/:id", "join.html", func(h http.Header) { h.Set("Permissions-Policy", "microphone=(self), camera=()") })
	// The host dashboard: one page; the browser signs in with the API's cookie session.
	page("/dashboard", "dashboard.html", nil)
	// Members add photos and songs to a memorial collage (the token is in the fragment).
	page("/contribute/:id", "contribute.html", nil)
	page("/i/:token", "invite.html", nil)
	// The server's address by itself leads hosts to their dashboard; anyone else is told where
	// their way in is.
	r.GET("/", func(c *gin.Context) {
		if ck, err := c.Cookie(sessionCookie); err == nil && ck != "" {
			c.Header("Cache-Control", "no-store")
			c.Redirect(http.StatusSeeOther, "/dashboard")
			return
		}
		c.Header("Content-Security-Policy", contentSecurityPolicy)
		c.Header("Cache-Control", pageCache)
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(rootPage))
	})
}

const rootPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearth</title><link rel="stylesheet" href="/static/style.css"></head>
<body><main class="page"><h1>Hearth</h1>
<p>To join a circle or listen in, open the link your host shared with you.</p>
<p>Hosting? <a href="/dashboard">Open your dashboard</a>.</p></main></body></html>
`

// serveFile answers with an embedded file: gzip when the client accepts it, 304 when its copy is
// current, and Vary so caches keep the two encodings apart.
func serveFile(c *gin.Context, files *web.Files, name, cache string) {
	f, ok := files.Get(name)
	if !ok || name == "" {
		fail(c, http.StatusNotFound, "not found")
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", cache)
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Type", f.ContentType)
	body, etag := f.Body, f.ETag
	if f.Gzip != nil && acceptsGzip(c.GetHeader("Accept-Encoding")) {
		body, etag = f.Gzip, f.GzipETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	if match := c.GetHeader("If-None-Match"); match != "" && etagMatches(match, etag) {
		c.Status(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Status(http.StatusOK)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
}

// acceptsGzip reads an Accept-Encoding header: gzip listed without q=0, or else * without q=0.
func acceptsGzip(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		ok := true
		if q, found := strings.CutPrefix(strings.ReplaceAll(strings.ToLower(params), " ", ""), "q="); found {
			v, err := strconv.ParseFloat(q, 64)
			ok = err == nil && v > 0
		}
		switch coding {
		case "gzip", "x-gzip":
			return ok
		case "*":
			star = ok
		}
	}
	return star
}

// etagMatches reports whether an If-None-Match list names etag (weak comparison, as for GET).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
