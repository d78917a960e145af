package echoapi_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/golang/mock/gomock"
	"github.com/labstack/echo/v4"

	"github.com/aimodels/aimodels/adapters/echoapi"
	"github.com/aimodels/aimodels/core/domain"
	"github.com/aimodels/aimodels/ports/mocks"
)

type exampleT struct{ gomock.TestReporter }

func (exampleT) Errorf(string, ...any) {}
func (exampleT) Fatalf(string, ...any) {}

// ExampleRegister mounts the API on an importer's own Echo group, behind
// its own auth, with one scope per tenant header. Here only the keys
// routes are mounted; echoapi.All(svc) mounts every route of a core.Service.
func ExampleRegister() {
	keys := mocks.NewMockKeyService(gomock.NewController(exampleT{})) // your core.Keys
	keys.EXPECT().KeyStatuses(gomock.Any(), "tenant-7").Return([]domain.KeyStatus{{Provider: "openrouter"}}, nil)

	e := echo.New()
	e.HTTPErrorHandler = echoapi.ErrorHandler(nil)
	g := e.Group("/ai/v1", echoapi.BearerAuth("s3cret"))
	echoapi.Register(g, echoapi.Services{Keys: keys}, echoapi.Options{
		Prefix: "/ai/v1",
		Scope:  func(c echo.Context) string { return c.Request().Header.Get("X-Tenant") },
	})

	req := httptest.NewRequest("GET", "/ai/v1/settings/api-keys", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("X-Tenant", "tenant-7")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// 200 {"keys":[{"provider":"openrouter","configured":false}]}
}
