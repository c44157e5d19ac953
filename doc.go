// Package hearth is the root of the Hearth module; the service lives in cmd/hearth and the
// packages beside it. This file exists so the repository-wide tests have a package to live in.
package hearth
