package echoapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

// catalogEncoder keeps the grouped catalog pre-encoded (plain and gzip,
// with a strong ETag) and rebuilds it only when the catalog's version
// changes, so a cached GET /models costs a map-free byte copy.
type catalogEncoder struct {
	mu  sync.Mutex
	enc *encodedCatalog
}

type encodedCatalog struct {
	version   uint64
	catalog   *domain.Catalog
	body      []byte
	gz        []byte
	etag      string
	fetchedAt string
}

func (ce *catalogEncoder) get(view ports.CatalogView) (*encodedCatalog, error) {
	ce.mu.Lock()
	defer ce.mu.Unlock()
	if ce.enc != nil && ce.enc.catalog == view.Catalog && ce.enc.version == view.Version {
		return ce.enc, nil
	}
	groups := make(map[string][]ModelDTO, len(domain.ModelTypes))
	for _, t := range domain.ModelTypes {
		g := view.Catalog.Group(t)
		list := make([]ModelDTO, len(g))
		for i, m := range g {
			list[i] = modelDTO(m)
		}
		groups[string(t)] = list
	}
	body, err := json.Marshal(groups)
	if err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	sum := sha256.Sum256(body)
	ce.enc = &encodedCatalog{
		version: view.Version, catalog: view.Catalog, body: body, gz: gz.Bytes(),
		etag:      `"` + hex.EncodeToString(sum[:12]) + `"`,
		fetchedAt: view.Catalog.FetchedAt().UTC().Format(time.RFC3339),
	}
	return ce.enc, nil
}

func (ce *catalogEncoder) serve(c echo.Context, view ports.CatalogView) error {
	enc, err := ce.get(view)
	if err != nil {
		return WriteError(c, err)
	}
	h := c.Response().Header()
	h.Set("ETag", enc.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Catalog-Fetched-At", enc.fetchedAt)
	if view.Stale {
		h.Set("X-Catalog-Stale", "true")
	} else {
		h.Set("X-Catalog-Stale", "false")
	}
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatch(inm, enc.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	body := enc.body
	if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = enc.gz
	}
	// A known length avoids chunked encoding of the pre-encoded bytes.
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
}

func etagMatch(header, etag string) bool {
	for _, part := range strings.Split(header, ",") {
		p := strings.TrimSpace(part)
		if p == "*" || p == etag || strings.TrimPrefix(p, "W/") == etag {
			return true
		}
	}
	return false
}

func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") || strings.Contains(q, "q=0.")
		}
	}
	return false
}
