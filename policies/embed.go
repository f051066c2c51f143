// Package policies holds the default Rego policies that a fresh installation
// publishes as its first revision, with their tests, and the rule parameters
// they read as data.params (params.json) with its JSON Schema.
package policies

import "embed"

// FS holds every .rego file of this folder, params.json and params.schema.json.
//
//go:embed *.rego params.json params.schema.json
var FS embed.FS
