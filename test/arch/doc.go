// Package arch holds the build check that keeps the hexagon's dependency
// arrows pointing inward: core and ports never reach an adapter library.
package arch
