package rules

import _ "embed"

// DefaultPolicy is the default suppression policy (default.policy; format in docs/policy.md).
//
//go:embed default.policy
var DefaultPolicy []byte
