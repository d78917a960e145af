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

// promptRow is a row of prompts.
type promptRow struct {
	ID        int64 `gorm:"primaryKey"`
	Scope     string
	Name      string
	ModelType string
	Text      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (promptRow) TableName() string { return "prompts" }

func (r *promptRow) toDomain() domain.Prompt {
	return domain.Prompt{
		ID: r.ID, Scope: r.Scope, Name: r.Name, Type: domain.ModelType(r.ModelType), Text: r.Text,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}
