// Package config is the PBX configuration: the pbx.yaml of DESIGN.md, its
// embedded default, a strict loader whose errors name the file, line, key
// path and reason, validation, and the commented template that
// `voiplab pbx init` writes.
//
// The YAML keys are a contract: keys may be added, never renamed.
// The flow follows STYLE.md: [DefaultConfig] → strict decode
// ([Load], yaml.v3 KnownFields) → [Config.Validate] → flag overrides.
package config
