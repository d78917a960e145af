module github.com/aimodels/aimodels

go 1.26

require github.com/golang/mock v1.6.0 // indirect
