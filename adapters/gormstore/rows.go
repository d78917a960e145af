package gormstore

import (
	"fmt"
	"slices"
	"time"

	json "github.com/goccy/go-json"

	"github.com/aimodels/aimodels/core/domain"
)

// apiKeyRow is a row of api_keys.
type apiKeyRow struct {
	ID         int64 `gorm:"primaryKey"`
	Scope      string
	Provider   string
	Ciphertext []byte
	KeyID      uint32
	Hint       string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Verification of the key when saved (migration 5).
	VerificationStatus    string
	VerificationCheckedAt *time.Time
	VerificationReason    string
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r *apiKeyRow) toDomain() domain.StoredKey {
	return domain.StoredKey{
		ID: r.ID, Scope: r.Scope, Provider: r.Provider, Ciphertext: r.Ciphertext,
		KeyID: r.KeyID, Hint: r.Hint, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Verification: r.verification(),
	}
}

func (r *apiKeyRow) verification() domain.KeyVerification {
	v := domain.KeyVerification{Status: r.VerificationStatus, Reason: r.VerificationReason}
	if r.VerificationCheckedAt != nil {
		v.CheckedAt = r.VerificationCheckedAt.UTC()
	}
	return v
}

// selectionRow is a row of openrouter_models.
type selectionRow struct {
	ID             int64 `gorm:"primaryKey"`
	Scope          string
	ModelType      string
	ModelID        string
	ModelName      string
	PromptCost     string
	CompletionCost string
	// Fallbacks is the JSON array of fallback model ids; NULL for none.
	Fallbacks *string
	SavedAt   time.Time
	UpdatedAt time.Time
}

func (selectionRow) TableName() string { return "openrouter_models" }

func (r *selectionRow) toDomain() (domain.SavedSelection, error) {
	s := domain.SavedSelection{
		Scope: r.Scope, Type: domain.ModelType(r.ModelType), ModelID: r.ModelID, ModelName: r.ModelName,
		PromptCost: r.PromptCost, CompletionCost: r.CompletionCost, SavedAt: r.SavedAt.UTC(),
	}
	if r.Fallbacks == nil || *r.Fallbacks == "" {
		return s, nil
	}
	var fb []string
	if err := json.Unmarshal([]byte(*r.Fallbacks), &fb); err != nil {
		return s, fmt.Errorf("fallbacks of the %s selection of scope %q are not a JSON list: %w", r.ModelType, r.Scope, err)
	}
	// A build from before fallbacks may have replaced the model since
	// (keeping the column as it was): the model is never its own fallback.
	fb = slices.DeleteFunc(fb, func(id string) bool { return id == r.ModelID })
	if len(fb) > 0 {
		s.Fallbacks = fb
	}
	return s, nil
}

// fallbacksColumn is the stored form of a selection's fallbacks.
func fallbacksColumn(fb []string) *string {
	if len(fb) == 0 {
		return nil
	}
	b, err := json.Marshal(fb)
	if err != nil { // a []string always encodes
		panic("gormstore: fallbacks do not encode: " + err.Error())
	}
	v := string(b)
	return &v
}

// promptRow is a row of prompts. DefaultType is the model type when the
// prompt is its type's default and NULL otherwise: the unique index on
// (scope, default_type) then allows one default per scope and type and
// any number of NULLs, on SQLite and MySQL alike.
type promptRow struct {
	ID          int64 `gorm:"primaryKey"`
	Scope       string
	Name        string
	ModelType   string
	Text        string
	Version     int
	DefaultType *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (promptRow) TableName() string { return "prompts" }

func (r *promptRow) toDomain() domain.Prompt {
	return domain.Prompt{
		ID: r.ID, Scope: r.Scope, Name: r.Name, Type: domain.ModelType(r.ModelType), Text: r.Text,
		Version: max(r.Version, 1), Default: r.DefaultType != nil,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// promptVersionRow is a row of prompt_versions: one saved text of a prompt.
type promptVersionRow struct {
	ID        int64 `gorm:"primaryKey"`
	PromptID  int64
	Scope     string
	Version   int
	Name      string
	ModelType string
	Text      string
	CreatedAt time.Time
}

func (promptVersionRow) TableName() string { return "prompt_versions" }

func (r *promptVersionRow) toDomain() domain.PromptVersion {
	return domain.PromptVersion{
		PromptID: r.PromptID, Scope: r.Scope, Version: r.Version, Name: r.Name,
		Type: domain.ModelType(r.ModelType), Text: r.Text, CreatedAt: r.CreatedAt.UTC(),
	}
}
