package echoapi

import (
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	cases := map[string]bool{
		"":                        false,
		"gzip":                    true,
		"GZIP":                    true,
		"deflate, gzip;q=0.5, br": true,
		"gzip;q=0":                false,
		"gzip; q=0.0":             false,
		"gzip;q=0.001":            true,
		"gzip;q=1.0":              true,
		"identity":                false,
		"*":                       true,
		"*;q=0":                   false,
		"gzip;q=0, *":             false, // gzip named explicitly wins over *
		"br, *;q=0.1":             true,
		"gzipx, xgzip":            false,
	}
	for h, want := range cases {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestETagMatch(t *testing.T) {
	const etag = `"abc"`
	cases := map[string]bool{
		`"abc"`:            true,
		`W/"abc"`:          true,
		`"x", "abc"`:       true,
		`*`:                true,
		`"abcd"`:           false,
		`abc`:              false,
		`"x",W/"y" , "z"`:  false,
		` "x" ,  W/"abc" `: true,
	}
	for h, want := range cases {
		if got := etagMatch(h, etag); got != want {
			t.Errorf("etagMatch(%q) = %v, want %v", h, got, want)
		}
	}
}
