// Package policies holds the default Rego policies that a fresh installation
// publishes as its first revision, with their tests.
package policies

import "embed"

// FS holds every .rego file of this folder.
//
//go:embed *.rego
var FS embed.FS
