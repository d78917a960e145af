package openroutertest_test

import (
	"fmt"
	"net/http"

	"github.com/aimodels/aimodels/test/openroutertest"
)

// Inject a rate limit for the next request of a route.
func ExampleServer_SetFault() {
	s := openroutertest.New()
	defer s.Close()
	s.SetFault(openroutertest.RouteKey, openroutertest.Fault{Status: 429, RetryAfter: "1", Times: 1})

	for range 2 {
		req, _ := http.NewRequest("GET", s.URL()+"/key", nil)
		req.Header.Set("Authorization", "Bearer "+openroutertest.DefaultAPIKey)
		resp, err := s.Client().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q\n", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	fmt.Println(s.RequestCount(openroutertest.RouteKey))
	// Output:
	// 429 Retry-After="1"
	// 200 Retry-After=""
	// 2
}
