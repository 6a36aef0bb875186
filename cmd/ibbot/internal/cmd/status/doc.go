// Package status is the "ibbot status" command: is a bot running on a data
// dir, since when, against which Gateway.
package status
