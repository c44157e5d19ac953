package api

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// operation describes one route for the OpenAPI document. The table below is the single place
// the API is described; TestOpenAPIMatchesRoutes keeps it in step with the router.
type operation struct {
	method, path, summary, tag string
	auth                       string // "host", "admin", "session" (listener/member/host token), "member", "none"
	body                       string // request content type, "" for none
	bodySchema                 string
	ok                         int
	okSchema                   string
	errors                     []int
}

var operations = []operation{
	{"GET", "/healthz", "Liveness and readiness", "service", "none", "", "", 200, "", []int{503}},
	{"GET", "/api/v1/openapi.json", "This document", "service", "none", "", "", 200, "", nil},
	{"POST", "/api/v1/auth/login", "Sign in with username and password; sets the session cookie", "accounts", "none", "application/json", "Login", 200, "LoginResult", []int{400, 401, 429}},
	{"POST", "/api/v1/auth/logout", "Sign out", "accounts", "host", "", "", 204, "", []int{401, 403}},
	{"GET", "/api/v1/auth/me", "Who is signed in", "accounts", "host", "", "", 200, "", []int{401, 403}},
	{"POST", "/api/v1/hosts", "Create a host account", "accounts", "admin", "application/json", "NewHost", 201, "Host", []int{400, 401, 403, 409}},
	{"GET", "/api/v1/hosts", "List host accounts", "accounts", "admin", "", "", 200, "", []int{401, 403}},
	{"POST", "/api/v1/tokens", "Create an API token (shown once)", "accounts", "host", "application/json", "NewToken", 201, "Token", []int{400, 401, 403}},
	{"GET", "/api/v1/tokens", "List your API tokens", "accounts", "host", "", "", 200, "", []int{400, 401, 403}},
	{"DELETE", "/api/v1/tokens/{tid}", "Revoke an API token", "accounts", "host", "", "", 204, "", []int{401, 403, 404}},
	// Account management (accounts stream).
	{"PATCH", "/api/v1/hosts/{hid}", "Switch a host account off (its sign-ins and API tokens stop working at once) or on again", "accounts", "admin", "application/json", "HostChange", 200, "HostAdmin", []int{400, 401, 403, 404, 409}},
	{"DELETE", "/api/v1/hosts/{hid}", "Delete a host account; circles it alone owns go to ?transfer_to=<host id>, else 409 (code sole_owner) lists them", "accounts", "admin", "", "", 204, "", []int{400, 401, 403, 404, 409}},
	{"POST", "/api/v1/hosts/{hid}/reset-link", "Make a one-time password reset link (24 hours; a newer link replaces it)", "accounts", "admin", "", "", 201, "ResetLink", []int{401, 403, 404, 409}},
	{"POST", "/api/v1/auth/password", "Change your own password (the current one is asked; your other sign-ins end)", "accounts", "host", "application/json", "PasswordChange", 204, "", []int{400, 401, 403, 429}},
	{"GET", "/api/v1/account-links/{token}", "What a setup or reset link is for (the link's secret is the credential)", "accounts", "none", "", "", 200, "AccountLink", []int{400, 403, 404, 410}},
	{"POST", "/api/v1/account-links/{token}", "Use a setup link (creates the first admin) or a reset link (sets the password); signs the browser in", "accounts", "none", "application/json", "Login", 200, "LoginResult", []int{400, 403, 404, 410}},
	{"POST", "/api/v1/media", "Upload to the server-wide library (admin)", "media", "admin", "multipart/form-data", "Upload", 201, "Media", []int{400, 401, 403, 413, 415, 422}},
	{"GET", "/api/v1/media", "List the server-wide library (admin)", "media", "admin", "", "", 200, "", []int{401, 403}},
	{"GET", "/api/v1/media/{id}", "One media file (admin)", "media", "admin", "", "", 200, "Media", []int{401, 403, 404}},
	{"POST", "/api/v1/sessions", "Schedule a session outside any group (admin)", "sessions", "admin", "application/json", "NewSession", 201, "Session", []int{400, 401, 403, 413}},
	{"GET", "/api/v1/sessions/{id}", "A session: state, now playing, links", "sessions", "host", "", "", 200, "Session", []int{401, 403, 404}},
	{"POST", "/api/v1/sessions/{id}/control", "Pause, resume, skip, seek, loop, next (segment) or end", "sessions", "host", "application/json", "Control", 200, "Session", []int{400, 401, 403, 404, 409}},
	{"GET", "/api/v1/sessions/{id}/events", "Server-sent events of the live room", "room", "session", "", "", 200, "", []int{401, 403, 404, 409, 410}},
	{"POST", "/api/v1/sessions/{id}/join", "Join with a microphone (SDP offer, see docs/PROTOCOL.md)", "room", "member", "application/sdp", "", 201, "", []int{400, 401, 403, 409, 410, 413, 415, 503}},
	{"DELETE", "/api/v1/sessions/{id}/members/{member}", "Leave (own key) or remove a member (host)", "room", "member", "", "", 200, "", []int{401, 403, 404}},
	{"POST", "/api/v1/sessions/{id}/members/{member}/mute", "Mute a member, or let them unmute", "room", "host", "application/json", "Mute", 200, "", []int{400, 401, 403, 404}},
	{"POST", "/api/v1/sessions/{id}/members/{member}/hand", "Lower a member's raised hand", "room", "host", "application/json", "Hand", 200, "", []int{400, 401, 403, 404}},
	{"GET", "/api/v1/sessions/{id}/room", "Roster, settings and statistics of the live room", "room", "host", "", "", 200, "", []int{401, 403, 404, 409}},
	{"POST", "/api/v1/sessions/{id}/room", "Lock the room, lock microphones, switch ducking", "room", "host", "application/json", "RoomSettings", 200, "", []int{400, 401, 403, 404, 409}},
	{"POST", "/api/v1/sessions/{id}/host-join", "Join the room as its host, with a microphone (SDP offer as for join; ?name= defaults to yours; marked host in every roster; see docs/PROTOCOL.md)", "room", "host", "application/sdp", "", 201, "", []int{400, 401, 403, 404, 409, 410, 413, 415, 503}},
	{"GET", "/api/v1/listen/{id}", "What a listener may see of a session", "room", "session", "", "", 200, "ListenInfo", []int{401, 403, 404}},
	{"POST", "/whep/{id}", "WHEP: receive the session's audio (SDP offer)", "room", "session", "application/sdp", "", 201, "", []int{400, 401, 403, 404, 409, 410, 413, 415, 503}},
	{"DELETE", "/whep/{id}/{peer}", "WHEP: leave", "room", "session", "", "", 200, "", []int{401, 403, 404}},
	{"PATCH", "/whep/{id}/{peer}", "WHEP trickle ICE (not supported: answers hold every candidate)", "room", "none", "", "", 405, "", nil},
	{"OPTIONS", "/whep/{id}", "WHEP CORS preflight", "room", "none", "", "", 204, "", nil},
	{"OPTIONS", "/whep/{id}/{peer}", "WHEP CORS preflight", "room", "none", "", "", 204, "", nil},
	{"POST", "/api/v1/groups", "Create a group (circle); you become its owner", "groups", "host", "application/json", "Group", 201, "Group", []int{400, 401, 403}},
	{"GET", "/api/v1/groups", "Your groups (every group for an admin)", "groups", "host", "", "", 200, "", []int{401, 403}},
	{"GET", "/api/v1/groups/{gid}", "A group and its hosts", "groups", "host", "", "", 200, "", []int{401, 403, 404}},
	{"PATCH", "/api/v1/groups/{gid}", "Rename or describe a group", "groups", "host", "application/json", "Group", 200, "Group", []int{400, 401, 403, 404}},
	{"DELETE", "/api/v1/groups/{gid}", "Delete a group, its sessions, invites, log and unused media files (owner)", "groups", "host", "", "", 204, "", []int{401, 403, 404}},
	{"POST", "/api/v1/groups/{gid}/hosts", "Add a co-host by username (owner)", "groups", "host", "application/json", "CoHost", 201, "", []int{400, 401, 403, 404}},
	{"DELETE", "/api/v1/groups/{gid}/hosts/{hid}", "Remove a co-host (owner)", "groups", "host", "", "", 204, "", []int{401, 403, 404}},
	{"POST", "/api/v1/groups/{gid}/media", "Upload to the group's library", "media", "host", "multipart/form-data", "Upload", 201, "Media", []int{400, 401, 403, 404, 413, 415, 422}},
	{"GET", "/api/v1/groups/{gid}/media", "The group's library", "media", "host", "", "", 200, "", []int{401, 403, 404}},
	{"POST", "/api/v1/groups/{gid}/sessions", "Schedule a session of the group", "sessions", "host", "application/json", "NewSession", 201, "Session", []int{400, 401, 403, 404, 413}},
	{"GET", "/api/v1/groups/{gid}/sessions", "The group's sessions", "sessions", "host", "", "", 200, "", []int{401, 403, 404}},
	{"POST", "/api/v1/groups/{gid}/invites", "Create an invite link (the URL is shown once)", "groups", "host", "application/json", "NewInvite", 201, "Invite", []int{400, 401, 403, 404}},
	{"GET", "/api/v1/groups/{gid}/invites", "The group's invite links", "groups", "host", "", "", 200, "", []int{401, 403, 404}},
	{"DELETE", "/api/v1/groups/{gid}/invites/{iid}", "Revoke an invite link", "groups", "host", "", "", 204, "", []int{401, 403, 404}},
	{"GET", "/api/v1/groups/{gid}/audit", "Who did what, newest first", "groups", "host", "", "", 200, "", []int{401, 403, 404}},
	{"POST", "/api/v1/groups/{gid}/series", "Create a recurring series (RRULE, time zone aware)", "schedules", "host", "application/json", "NewSeries", 201, "Series", []int{400, 401, 403, 404}},
	{"GET", "/api/v1/groups/{gid}/series", "The group's series with their next occurrences", "schedules", "host", "", "", 200, "", []int{401, 403, 404}},
	{"POST", "/api/v1/groups/{gid}/series/{sid}/{action}", "Cancel (action=cancel) or move (action=move) one occurrence", "schedules", "host", "application/json", "OccurrenceChange", 200, "Series", []int{400, 401, 403, 404}},
	{"DELETE", "/api/v1/groups/{gid}/series/{sid}", "Delete a series and its sessions that have not started", "schedules", "host", "", "", 204, "", []int{401, 403, 404}},
	{"POST", "/api/v1/groups/{gid}/calendar-key", "Give the group's calendar feed a new secret URL", "schedules", "host", "", "", 200, "", []int{401, 403, 404}},
	{"GET", "/calendar/{gid}/{key}", "The group's iCalendar feed (the key is the secret in calendar_url)", "schedules", "none", "", "", 200, "", []int{404}},
	{"GET", "/api/v1/sessions/{id}/calendar.ics", "One session as an .ics file (listen or join token, also as ?t=)", "schedules", "session", "", "", 200, "", []int{401, 403, 404}},
	{"POST", "/api/v1/sessions/{id}/collage/photos", "Add a photo to the session's memorial collage (member or host; stored upright, without metadata)", "collage", "member", "multipart/form-data", "Contribution", 201, "CollageItem", []int{400, 401, 403, 409, 413, 415, 422}},
	{"POST", "/api/v1/sessions/{id}/collage/songs", "Add a song (MP3) to the collage (member or host)", "collage", "member", "multipart/form-data", "Contribution", 201, "CollageItem", []int{400, 401, 403, 409, 413, 415, 422}},
	{"GET", "/api/v1/sessions/{id}/collage", "The collage's photos and songs, in order", "collage", "session", "", "", 200, "", []int{401, 403, 404}},
	{"GET", "/api/v1/sessions/{id}/collage/photos/{pid}", "A collage photo (cleaned JPEG)", "collage", "session", "", "", 200, "", []int{401, 403, 404}},
	{"PATCH", "/api/v1/sessions/{id}/collage/items/{iid}", "Recaption or reorder a collage item (reordering a finalized collage is refused: reopen it first)", "collage", "host", "application/json", "CollageEdit", 200, "CollageItem", []int{400, 401, 403, 404, 409}},
	{"DELETE", "/api/v1/sessions/{id}/collage/items/{iid}", "Remove a collage item (refused once finalized: reopen it first)", "collage", "host", "", "", 204, "", []int{401, 403, 404, 409}},
	{"POST", "/api/v1/sessions/{id}/collage/finalize", "Make the collage the session's broadcast (its songs the playlist, its photos the picture), close it to contributions and, unless prerender is false, start encoding the video ahead of time", "collage", "host", "application/json", "CollageFinalize", 200, "", []int{400, 401, 403, 404, 409}},
	{"POST", "/api/v1/sessions/{id}/collage/lock", "Close or reopen the collage to contributions (reopening a finalized collage stops its picture until it is finalized again)", "collage", "host", "application/json", "CollageLock", 200, "", []int{400, 401, 403, 404, 409}},
	{"POST", "/api/v1/invites/{token}", "Open an invite link: the group and its current or next session, without spending a use (body: optional claim)", "groups", "none", "application/json", "InviteClaim", 200, "", []int{400, 404}},
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

// ginPath turns an OpenAPI path template into gin's form.
func ginPath(p string) string { return pathParam.ReplaceAllString(p, ":$1") }

// OpenAPI returns the OpenAPI 3 document of the API.
func OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, op := range operations {
		item, _ := paths[op.path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		o := map[string]any{"summary": op.summary, "tags": []string{op.tag}, "operationId": opID(op)}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(op.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			o["parameters"] = params
		}
		switch op.auth {
		case "none":
			o["security"] = []any{}
		case "host", "admin":
			o["security"] = []any{map[string]any{"bearer": []any{}}, map[string]any{"cookie": []any{}, "csrf": []any{}}}
		case "session", "member":
			o["security"] = []any{map[string]any{"bearer": []any{}}}
		}
		if op.auth == "admin" {
			o["description"] = "Admins only."
		}
		if op.body != "" {
			schema := map[string]any{"type": "string"}
			if op.bodySchema != "" {
				schema = map[string]any{"$ref": "#/components/schemas/" + op.bodySchema}
			}
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{op.body: map[string]any{"schema": schema}}}
		}
		resp := map[string]any{}
		okResp := map[string]any{"description": http.StatusText(op.ok)}
		if op.okSchema != "" {
			okResp["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + op.okSchema}}}
		} else if op.body == "application/sdp" {
			okResp["content"] = map[string]any{"application/sdp": map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		resp[itoa(op.ok)] = okResp
		for _, code := range op.errors {
			resp[itoa(code)] = map[string]any{"description": http.StatusText(code),
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
		}
		o["responses"] = resp
		item[strings.ToLower(op.method)] = o
	}
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	boolean := map[string]any{"type": "boolean"}
	number := map[string]any{"type": "number"}
	obj := func(props map[string]any, required ...string) map[string]any {
		o := map[string]any{"type": "object", "properties": props}
		if required != nil {
			o["required"] = required
		}
		return o
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Hearth API", "version": "1",
			"description": "Host API of Hearth, a self-hosted service where support groups meet live. Errors are always {\"error\": \"...\"}."},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "The admin token, a host's API token, or a session's listener or member token, as each operation says."},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
				"csrf":   map[string]any{"type": "apiKey", "in": "header", "name": csrfHeader},
			},
			"schemas": map[string]any{
				"Error":       obj(map[string]any{"error": str}, "error"),
				"Login":       obj(map[string]any{"username": str, "password": str}, "username", "password"),
				"LoginResult": obj(map[string]any{"host": map[string]any{"$ref": "#/components/schemas/Host"}, "csrf_token": str}),
				"Host":        obj(map[string]any{"id": str, "username": str, "admin": boolean}),
				"NewHost":     obj(map[string]any{"username": str, "password": str, "admin": boolean}, "username", "password"),
				"NewToken":    obj(map[string]any{"name": str}, "name"),
				"HostChange":  obj(map[string]any{"disabled": boolean}, "disabled"),
				"HostAdmin": obj(map[string]any{"id": str, "username": str, "admin": boolean, "disabled": boolean, "created_at": str,
					"sole_owner_of": map[string]any{"type": "array", "items": obj(map[string]any{"id": str, "name": str})}}),
				"ResetLink":      obj(map[string]any{"url": str, "username": str, "expires_at": str}),
				"PasswordChange": obj(map[string]any{"current_password": str, "new_password": str}, "current_password", "new_password"),
				"AccountLink": obj(map[string]any{"kind": map[string]any{"type": "string", "enum": []string{"setup", "reset"}},
					"username": str, "expires_at": str}),
				"Token":  obj(map[string]any{"id": str, "name": str, "token": str, "created_at": str}),
				"Upload": obj(map[string]any{"title": str, "file": map[string]any{"type": "string", "format": "binary"}}, "file"),
				"Media": obj(map[string]any{"id": str, "title": str, "filename": str, "format": str, "sample_rate": integer,
					"channels": integer, "duration_ms": integer, "loudness_lufs": number, "peak_dbfs": number, "gain_db": number,
					"encoder_delay": integer, "padding": integer, "size": integer, "created_at": str}),
				"NewSession": obj(map[string]any{"title": str, "starts_at": map[string]any{"type": "string", "format": "date-time"},
					"playlist": map[string]any{"type": "array", "items": obj(map[string]any{"media_id": str}, "media_id")},
					"loop":     boolean, "crossfade_ms": integer, "ducking": boolean,
					"program": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Segment"}}}, "title", "starts_at"),
				"Segment": obj(map[string]any{"name": str,
					"playlist":  map[string]any{"type": "array", "items": obj(map[string]any{"media_id": str}, "media_id")},
					"loop":      boolean,
					"length_ms": map[string]any{"type": "integer", "description": "0: until the playlist ends"},
					"mics":      map[string]any{"type": "string", "enum": []string{"open", "muted"}}, "ducking": boolean}, "name", "mics"),
				"NowPlaying": obj(map[string]any{"index": integer, "media_id": str, "title": str, "position_ms": integer, "duration_ms": integer,
					"paused": boolean, "silent": boolean, "segment": integer, "segment_name": str, "mics": str, "segment_ends_at": str}),
				"Session": obj(map[string]any{"id": str, "group_id": str, "title": str,
					"state":     map[string]any{"type": "string", "enum": []string{"scheduled", "live", "ended"}},
					"starts_at": str, "ends_at": str, "loop": boolean, "ducking": boolean, "crossfade_ms": integer,
					"now_playing": map[string]any{"$ref": "#/components/schemas/NowPlaying"}, "listeners": integer, "members": integer,
					"listen_url": str, "join_url": str, "whep_url": str, "listener_token": str, "member_token": str, "server_time": str}),
				"ListenInfo": obj(map[string]any{"id": str, "title": str, "state": str, "starts_at": str, "server_time": str,
					"now_playing": map[string]any{"$ref": "#/components/schemas/NowPlaying"}, "listeners": integer, "members": integer,
					"ice_servers": map[string]any{"type": "array", "items": obj(map[string]any{"urls": map[string]any{"type": "array", "items": str}, "username": str, "credential": str})}}),
				"Control": obj(map[string]any{"action": map[string]any{"type": "string", "enum": []string{"pause", "resume", "skip", "seek", "loop", "next", "end"}},
					"position_ms": integer, "loop": boolean}, "action"),
				"Mute":         obj(map[string]any{"muted": boolean}, "muted"),
				"Hand":         obj(map[string]any{"raised": boolean}, "raised"),
				"RoomSettings": obj(map[string]any{"locked": boolean, "mics_locked": boolean, "ducking": boolean}),
				"Group":        obj(map[string]any{"id": str, "name": str, "description": str, "role": str, "created_at": str}),
				"CoHost":       obj(map[string]any{"username": str}, "username"),
				"NewInvite": obj(map[string]any{"kind": map[string]any{"type": "string", "enum": []string{"member", "listen"}},
					"expires_at": map[string]any{"type": "string", "format": "date-time"}, "max_uses": integer}, "kind"),
				"NewSeries": obj(map[string]any{"title": str, "start": map[string]any{"type": "string", "example": "2026-11-24T19:00"},
					"zone": map[string]any{"type": "string", "example": "Europe/Berlin"}, "duration_minutes": integer,
					"rrule":    map[string]any{"type": "string", "example": "FREQ=WEEKLY;BYDAY=TU"},
					"playlist": map[string]any{"type": "array", "items": obj(map[string]any{"media_id": str}, "media_id")},
					"loop":     boolean, "ducking": boolean}, "title", "start", "zone", "duration_minutes", "playlist"),
				"Series": obj(map[string]any{"id": str, "title": str, "start": str, "zone": str, "duration_minutes": integer, "rrule": str,
					"playlist": map[string]any{"type": "array", "items": str}, "loop": boolean, "ducking": boolean,
					"next": map[string]any{"type": "array", "items": obj(map[string]any{"start": str, "end": str, "original": str, "moved": boolean})}}),
				"OccurrenceChange": obj(map[string]any{"original": map[string]any{"type": "string", "format": "date-time"},
					"to": map[string]any{"type": "string", "format": "date-time"}}, "original"),
				"Contribution": obj(map[string]any{"caption": str, "name": str, "file": map[string]any{"type": "string", "format": "binary"}}, "file"),
				"CollageItem": obj(map[string]any{"id": str, "kind": map[string]any{"type": "string", "enum": []string{"photo", "song"}},
					"caption": str, "contributor": str, "width": integer, "height": integer, "position": integer, "url": str, "media_id": str}),
				"CollageEdit":     obj(map[string]any{"caption": str, "position": integer}),
				"CollageLock":     obj(map[string]any{"locked": boolean}, "locked"),
				"CollageFinalize": obj(map[string]any{"prerender": boolean}),
				"Invite": obj(map[string]any{"id": str, "kind": str, "url": str, "created_at": str, "expires_at": str,
					"max_uses": integer, "uses": integer, "revoked": boolean}),
			},
		},
	}
	extendCircles(doc)
	return doc
}

func opID(op operation) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.method))
	for _, part := range strings.Split(op.path, "/") {
		part = strings.Trim(part, "{}")
		if part == "" || part == "api" || part == "v1" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + strings.ReplaceAll(part[1:], ".", ""))
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

func (s *Server) openAPI(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.JSON(http.StatusOK, OpenAPI())
}
