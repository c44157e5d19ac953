package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hearth/web"
)

// contentSecurityPolicy allows only the page's own scripts and connections: no third parties, ever.
const contentSecurityPolicy = "default-src 'self'; media-src 'self' blob: mediastream:; connect-src 'self'; " +
	"img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (s *Server) pages(r *gin.Engine) {
	static := http.StripPrefix("/static/", http.FileServer(http.FS(web.Static())))
	r.GET("/static/*path", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		static.ServeHTTP(c.Writer, c.Request)
	})
	r.GET("/listen/:id", func(c *gin.Context) {
		c.Header("Content-Security-Policy", contentSecurityPolicy)
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, "text/html; charset=utf-8", web.ListenPage())
	})
	r.GET("/join/:id", func(c *gin.Context) {
		c.Header("Content-Security-Policy", contentSecurityPolicy)
		c.Header("Cache-Control", "no-store")
		c.Header("Permissions-Policy", "microphone=(self), camera=()")
		c.Data(http.StatusOK, "text/html; charset=utf-8", web.JoinPage())
	})
	// The host dashboard: one page; the browser signs in with the API's cookie session.
	r.GET("/dashboard", func(c *gin.Context) {
		c.Header("Content-Security-Policy", contentSecurityPolicy)
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, "text/html; charset=utf-8", web.DashboardPage())
	})
	// Members add photos and songs to a memorial collage (the member token is in the fragment).
	r.GET("/contribute/:id", func(c *gin.Context) {
		c.Header("Content-Security-Policy", contentSecurityPolicy)
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, "text/html; charset=utf-8", web.ContributePage())
	})
	r.GET("/i/:token", func(c *gin.Context) {
		c.Header("Content-Security-Policy", contentSecurityPolicy)
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusOK, "text/html; charset=utf-8", web.InvitePage())
	})
	r.GET("/", func(c *gin.Context) {
		c.String(http.StatusOK, "Hearth is running. Open the listen link your host shared with you.\n")
	})
}
