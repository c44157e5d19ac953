package room

import (
	"encoding/json"
	"errors"
)

func errorsIs(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
