package gormstore

import (
	"context"
	"errors"
	"time"

	json "github.com/goccy/go-json"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports"
)

var _ ports.CatalogSnapshotStore = (*Store)(nil)

// catalogSnapshotRow is the one row of catalog_snapshots: the catalog
// served last, its prices as JSON {"model id": {"field": "decimal"}}.
type catalogSnapshotRow struct {
	ID      int `gorm:"primaryKey;autoIncrement:false"`
	TakenAt time.Time
	Prices  string
}

func (catalogSnapshotRow) TableName() string { return "catalog_snapshots" }

// catalogSnapshotID is the key of the only row.
const catalogSnapshotID = 1

var catalogSnapshotSQLite = []string{
	`CREATE TABLE IF NOT EXISTS catalog_snapshots (
		id INTEGER PRIMARY KEY,
		taken_at DATETIME NOT NULL,
		prices TEXT NOT NULL)`,
}

var catalogSnapshotMySQL = []string{
	`CREATE TABLE IF NOT EXISTS catalog_snapshots (
		id INT NOT NULL PRIMARY KEY,
		taken_at DATETIME(6) NOT NULL,
		prices LONGTEXT NOT NULL
	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
}

// GetCatalogSnapshot returns the snapshot saved last
// (ports.CatalogSnapshotStore).
func (s *Store) GetCatalogSnapshot(ctx context.Context) (*domain.CatalogSnapshot, error) {
	var row catalogSnapshotRow
	err := s.r.WithContext(ctx).Where("id = ?", catalogSnapshotID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, &domain.StoreError{Kind: domain.ErrNotFound, Op: "get catalog snapshot"}
	}
	if err != nil {
		return nil, s.wrap("get catalog snapshot", err)
	}
	snap := &domain.CatalogSnapshot{TakenAt: row.TakenAt.UTC()}
	if err := json.Unmarshal([]byte(row.Prices), &snap.Prices); err != nil {
		return nil, &domain.StoreError{Kind: domain.ErrStoreUnavailable, Op: "get catalog snapshot", Err: err}
	}
	if snap.Prices == nil {
		snap.Prices = map[string]map[string]string{}
	}
	return snap, nil
}

// SaveCatalogSnapshot replaces the snapshot with one upsert
// (ports.CatalogSnapshotStore).
func (s *Store) SaveCatalogSnapshot(ctx context.Context, snap *domain.CatalogSnapshot) error {
	if snap == nil {
		return &domain.ValidationError{Field: "snapshot", Reason: "is required"}
	}
	body, err := json.Marshal(snap.Prices)
	if err != nil {
		return &domain.ValidationError{Field: "snapshot", Reason: err.Error()}
	}
	row := catalogSnapshotRow{ID: catalogSnapshotID, TakenAt: snap.TakenAt.UTC().Truncate(time.Microsecond), Prices: string(body)}
	err = retry(ctx, func() error {
		return s.w.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"taken_at", "prices"}),
		}).Create(&row).Error
	})
	if err != nil {
		return s.wrap("save catalog snapshot", err)
	}
	return nil
}
