package api

// The circles part of issue 9 in the OpenAPI document: memorial sessions and their contribution
// token, accepting invitations, the circle's support text and calendar links, series programs.

func init() {
	operations = append(operations,
		operation{"PATCH", "/api/v1/sessions/{id}", "Change a session's settings: memorial (gathers a memorial collage)", "sessions", "host", "application/json", "SessionUpdate", 200, "Session", []int{400, 401, 403, 404, 409}},
		operation{"POST", "/api/v1/invites/{token}/accept", "Go in by an invite link: counts one use per person (claim) and answers with the session's link", "groups", "none", "application/json", "InviteClaim", 200, "", []int{400, 404, 409}},
	)
}

// extendCircles adds the circles fields to the schemas OpenAPI builds.
func extendCircles(doc map[string]any) {
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	str := map[string]any{"type": "string"}
	boolean := map[string]any{"type": "boolean"}
	props := func(name string) map[string]any {
		return schemas[name].(map[string]any)["properties"].(map[string]any)
	}
	memorial := map[string]any{"type": "boolean", "description": "The session gathers a memorial collage; only then do its pages offer it and do the collage endpoints answer (others get 409)."}
	program := map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Segment"}}
	props("NewSession")["memorial"] = memorial
	for k, v := range map[string]any{"memorial": memorial, "series_id": str,
		"contribute_url":   map[string]any{"type": "string", "description": "The contribution page's link (memorial sessions): its token may add photos and songs and read the collage, nothing else."},
		"contribute_token": str} {
		props("Session")[k] = v
	}
	for k, v := range map[string]any{"memorial": memorial,
		"contribute_url": map[string]any{"type": "string", "description": "Only while a memorial session's collage takes contributions."},
		"calendar_url":   map[string]any{"type": "string", "description": "This session as an .ics file, with the caller's own token."},
		"next_session": map[string]any{"nullable": true, "description": "Ended sessions only: the circle's next session that has not ended, or null.",
			"type": "object", "properties": map[string]any{"id": str, "title": str, "starts_at": str, "state": str, "url": str}},
		"support_text": map[string]any{"type": "string", "description": "Ended sessions only: the circle's support text."}} {
		props("ListenInfo")[k] = v
	}
	for k, v := range map[string]any{"support_text": map[string]any{"type": "string", "maxLength": 2000, "description": "Shown on the circle's ended pages: where to turn between sessions."},
		"calendar_url": str, "webcal_url": str} {
		props("Group")[k] = v
	}
	props("NewSeries")["memorial"] = memorial
	props("NewSeries")["program"] = program
	props("Series")["memorial"] = memorial
	props("Series")["program"] = program
	schemas["NewSeries"].(map[string]any)["required"] = []string{"title", "start", "zone", "duration_minutes"}
	props("Invite")["url"] = map[string]any{"type": "string", "description": "The link; the circle's hosts can read it again while it works (links made before this was kept have none)."}
	schemas["SessionUpdate"] = map[string]any{"type": "object", "properties": map[string]any{"memorial": boolean}}
	schemas["InviteClaim"] = map[string]any{"type": "object", "properties": map[string]any{"claim": map[string]any{"type": "string",
		"description": "A random id (16-64 of A-Z a-z 0-9 - _) the person's browser keeps for the link: a person counts once.", "minLength": 16, "maxLength": 64}}}
}
