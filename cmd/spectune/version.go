package main

import (
	"runtime/debug"
)

// version is the release; the commit comes from the build info.
const version = "0.1.0"

// versionString returns the version and, when the binary was built from a
// git checkout, the commit.
func versionString() string {
	c := commit()
	if c == "" {
		return version
	}
	return version + " (" + c + ")"
}

func commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty && rev != "" {
		rev += "-dirty"
	}
	return rev
}
