package memstore

import (
	"context"
	"maps"
	"time"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

var _ ports.CatalogSnapshotStore = (*Store)(nil)

// GetCatalogSnapshot returns a copy of the snapshot saved last
// (ports.CatalogSnapshotStore).
func (s *Store) GetCatalogSnapshot(ctx context.Context) (*domain.CatalogSnapshot, error) {
	if err := s.begin(ctx, "GetCatalogSnapshot"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if s.snapshot == nil {
		return nil, &domain.StoreError{Kind: domain.ErrNotFound, Op: "GetCatalogSnapshot"}
	}
	return copySnapshot(s.snapshot), nil
}

// SaveCatalogSnapshot replaces the snapshot with a copy of snap
// (ports.CatalogSnapshotStore).
func (s *Store) SaveCatalogSnapshot(ctx context.Context, snap *domain.CatalogSnapshot) error {
	if err := s.begin(ctx, "SaveCatalogSnapshot"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if snap == nil {
		return &domain.ValidationError{Field: "snapshot", Reason: "is required"}
	}
	c := copySnapshot(snap)
	c.TakenAt = c.TakenAt.UTC().Truncate(time.Microsecond)
	s.snapshot = c
	return nil
}

func copySnapshot(in *domain.CatalogSnapshot) *domain.CatalogSnapshot {
	out := &domain.CatalogSnapshot{TakenAt: in.TakenAt, Prices: make(map[string]map[string]string, len(in.Prices))}
	for id, p := range in.Prices {
		out.Prices[id] = maps.Clone(p)
		if out.Prices[id] == nil {
			out.Prices[id] = map[string]string{}
		}
	}
	return out
}
