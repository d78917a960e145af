package gormstore

import (
	"time"

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
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r *apiKeyRow) toDomain() domain.StoredKey {
	return domain.StoredKey{
		ID: r.ID, Scope: r.Scope, Provider: r.Provider, Ciphertext: r.Ciphertext,
		KeyID: r.KeyID, Hint: r.Hint, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
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
	SavedAt        time.Time
	UpdatedAt      time.Time
}

func (selectionRow) TableName() string { return "openrouter_models" }

func (r *selectionRow) toDomain() domain.SavedSelection {
	return domain.SavedSelection{
		Scope: r.Scope, Type: domain.ModelType(r.ModelType), ModelID: r.ModelID, ModelName: r.ModelName,
		PromptCost: r.PromptCost, CompletionCost: r.CompletionCost, SavedAt: r.SavedAt.UTC(),
	}
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
