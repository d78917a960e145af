package gormstore

import (
	"context"
	"errors"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/aimodels/aimodels/core/domain"
)

func TestWrapTellsOutagesFromRejections(t *testing.T) {
	s := &Store{}
	cases := []struct {
		err         error
		unavailable bool
	}{
		{&gomysql.MySQLError{Number: 2006, Message: "MySQL server has gone away"}, true},
		{gomysql.ErrInvalidConn, true},
		{errors.New("sql: database is closed"), true},
		{&gomysql.MySQLError{Number: 1406, Message: "Data too long for column 'model_id'"}, false},
		{&gomysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax"}, false},
		{context.Canceled, false},
	}
	for _, c := range cases {
		got := s.wrap("op", c.err)
		if errors.Is(got, domain.ErrStoreUnavailable) != c.unavailable {
			t.Errorf("wrap(%v) = %v; unavailable want %v", c.err, got, c.unavailable)
		}
		if !errors.Is(got, c.err) {
			t.Errorf("wrap(%v) lost its cause", c.err)
		}
	}
	if !errors.Is(s.wrap("op", &gomysql.MySQLError{Number: 1062}), domain.ErrConflict) {
		t.Error("duplicate is not a conflict")
	}
}
