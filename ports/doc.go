// Package ports declares the interfaces between aimodels' core and the
// world: the driven ports the core needs (Gateway to OpenRouter, the
// stores, the secret Cipher, the Clock) and the driving port it offers
// (Service, which the HTTP adapter and importing services call).
//
// It imports only the standard library and core/domain. Mocks for tests
// are generated into ports/mocks by `go generate ./...`.
package ports

//go:generate go run github.com/golang/mock/mockgen@v1.6.0 -source=driven.go -destination=mocks/driven.go -package=mocks
//go:generate go run github.com/golang/mock/mockgen@v1.6.0 -source=driving.go -destination=mocks/driving.go -package=mocks
