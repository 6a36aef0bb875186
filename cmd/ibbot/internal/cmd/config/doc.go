// Package config is the "ibbot config" command: check a settings file,
// print a complete example, show the effective configuration.
package config
