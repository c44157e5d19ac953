package web

import "io/fs"

// DashboardPage returns the host dashboard served at /dashboard. Like the
// other pages it is the same for everyone: it signs the host in through the
// API and keeps its place in the URL fragment, so the server never templates
// anything into it. It needs the same Content-Security-Policy as the others.
func DashboardPage() []byte {
	b, _ := fs.ReadFile(Static(), "dashboard.html")
	return b
}
