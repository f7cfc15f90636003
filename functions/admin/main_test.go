package main

import (
	"context"
	"testing"

	"loginguard/internal/testenv"
)

func TestBuildWiresTheHandler(t *testing.T) {
	testenv.FunctionEnv(t)
	h, err := build(context.Background())
	if err != nil || h.Users == nil || h.Admin == nil || h.Log == nil {
		t.Fatalf("build = %+v, %v", h, err)
	}
}
