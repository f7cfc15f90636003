# loginguard: see README.md. `make run` starts everything locally, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
FUNCTIONS := SoapFunction
# Local builds run natively under the Lambda Runtime Interface Emulator.
BUILD_DIR := .build
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: build-local
build-local: ## build every function's bootstrap for this machine, and the emulator
	@mkdir -p $(BUILD_DIR)
	$(GO) build -o $(BUILD_DIR)/aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie
	$(GO) build -o $(BUILD_DIR)/local ./cmd/local
	@for fn in $(FUNCTIONS); do \
	  dir=$$(echo $$fn | sed -e 's/Function$$//' | tr 'A-Z' 'a-z'); \
	  CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(BUILD_DIR)/$$fn/bootstrap ./functions/$$dir || exit 1; \
	done

# SAM (BuildMethod: makefile) calls build-<LogicalId> with ARTIFACTS_DIR set.
build-SoapFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/soap
