package main

import (
	"runtime/debug"
	"strings"
)

// version is the release version, set by a release build with
// -ldflags "-X main.version=v1.2.3"; empty otherwise, and the go
// command's build information tells what is known.
var version string

// versionString describes this binary: see formatVersion.
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(version, bi)
}

// formatVersion describes a build from the release version (may be "")
// and the build information the go command recorded (may be nil): the
// release version, else the module version unless it is "(devel)"; the VCS
// revision and commit time; "modified" when the tree had uncommitted
// changes; and the Go version. It is "dev" when neither a version nor a
// revision nor a time is known.
func formatVersion(release string, bi *debug.BuildInfo) string {
	v := release
	var rev, at, goVersion string
	var modified bool
	if bi != nil {
		if v == "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		goVersion = bi.GoVersion
	}
	if v == "" && rev == "" && at == "" {
		return "dev"
	}
	var parts []string
	add := func(ok bool, s string) {
		if ok {
			parts = append(parts, s)
		}
	}
	add(v != "", v)
	add(rev != "", "revision "+rev)
	add(at != "", "committed "+at)
	add(modified, "modified")
	add(goVersion != "", goVersion)
	return strings.Join(parts, ", ")
}
