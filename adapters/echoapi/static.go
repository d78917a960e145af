package echoapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// staticFile is one file of the single-page application with its
// precompressed forms (name.br, name.gz, written by the frontend build),
// each with its own strong ETag.
type staticFile struct {
	name  string
	ctype string
	forms []staticForm // best first: br, gzip, then identity
}

type staticForm struct {
	encoding string // "" for identity
	body     []byte
	etag     string
}

// loadStatic reads every file of fsys once. A file's ".br" and ".gz"
// siblings become its encoded forms and are not served under their own
// names.
func loadStatic(fsys fs.FS) map[string]*staticFile {
	files := map[string]*staticFile{}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") {
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = http.DetectContentType(body)
		}
		f := &staticFile{name: p, ctype: ctype}
		for _, enc := range []struct{ coding, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if b, err := fs.ReadFile(fsys, p+enc.ext); err == nil && len(b) < len(body) {
				f.forms = append(f.forms, staticForm{encoding: enc.coding, body: b, etag: strongETag(b)})
			}
		}
		f.forms = append(f.forms, staticForm{body: body, etag: strongETag(body)})
		files[p] = f
		return nil
	})
	return files
}

func strongETag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// serve writes the best form of f the request accepts, with its
// Content-Encoding, Content-Type, Vary and ETag; If-None-Match, Range and
// HEAD are answered by http.ServeContent.
func (f *staticFile) serve(w http.ResponseWriter, r *http.Request) {
	ae := r.Header.Get("Accept-Encoding")
	form := f.forms[len(f.forms)-1]
	for _, fm := range f.forms[:len(f.forms)-1] {
		if acceptsEncoding(ae, fm.encoding) {
			form = fm
			break
		}
	}
	h := w.Header()
	if len(f.forms) > 1 {
		h.Set("Vary", "Accept-Encoding")
	}
	if form.encoding != "" {
		h.Set("Content-Encoding", form.encoding)
	}
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", form.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(form.body))
}

// SPA serves a single-page application from fsys: files as they are
// (hashed assets under /assets/ cached for a year), and index.html with
// no-cache for every other path that is not a file (client-side routes
// such as /settings/models). Each file is served in the best of its
// precompressed forms (name.br, name.gz, made by the frontend build) that
// Accept-Encoding allows, with Content-Encoding, Vary: Accept-Encoding
// and a strong ETag per form; the fsys is read once, here.
func SPA(fsys fs.FS) echo.HandlerFunc {
	files := loadStatic(fsys)
	index := files["index.html"]
	return func(c echo.Context) error {
		p := strings.TrimPrefix(path.Clean("/"+c.Request().URL.Path), "/")
		if p != "" && p != "index.html" {
			if f, ok := files[p]; ok {
				if strings.HasPrefix(p, "assets/") {
					c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					c.Response().Header().Set("Cache-Control", "no-cache")
				}
				f.serve(c.Response(), c.Request())
				return nil
			}
			if strings.HasPrefix(p, "assets/") || path.Ext(p) != "" {
				return echo.ErrNotFound
			}
		}
		if index == nil {
			return echo.NewHTTPError(http.StatusNotFound, "the settings UI is not built into this binary")
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
		index.serve(c.Response(), c.Request())
		return nil
	}
}
