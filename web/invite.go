package web

import "io/fs"

// InvitePage returns the page an invite link (/i/TOKEN) opens.
func InvitePage() []byte {
	b, _ := fs.ReadFile(Static(), "invite.html")
	return b
}
