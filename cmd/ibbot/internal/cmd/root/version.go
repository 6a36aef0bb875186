package root

import "runtime/debug"

// ResolveVersion returns the version ibbot reports. A version set at link
// time wins; otherwise it is the main module's version from the build info
// (set by go install module@version), or "devel" followed by the VCS
// revision when built from a checkout.
func ResolveVersion(linkVersion string) string {
	bi, ok := debug.ReadBuildInfo()
	return versionFrom(linkVersion, bi, ok)
}

// versionFrom is ResolveVersion with the build info passed in.
func versionFrom(linkVersion string, bi *debug.BuildInfo, ok bool) string {
	if linkVersion != "" {
		return linkVersion
	}
	if !ok || bi == nil {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	v := "devel"
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += "+" + rev
		if dirty {
			v += "-dirty"
		}
	}
	return v
}
