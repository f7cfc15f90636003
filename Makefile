# loginguard: see README.md.
#   make run    start everything locally on 127.0.0.1:3000 (no Docker)
#   make test   install what the tests need and run every test
SHELL := /bin/bash
GO ?= go
# Logical ids of template.yaml's functions and their folders under functions/.
FUNCTIONS := SoapFunction:soap OAuthFunction:oauth AuthorizerFunction:authorizer WhoamiFunction:whoami WebFunction:web
BUILD_DIR := .build
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: help deps chromium build-local run test vet unit bench fuzz invoke size clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' | expand -t 16

# npm packages come only from the committed lockfile; reinstalled when it changes.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json ## install the npm stand-ins and clients from the lockfile

# The browser tests drive Debian's chromium (playwright-core never downloads a
# browser). Installed only when missing; CHROMIUM=/path uses another build.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update >/dev/null && $$SUDO apt-get install -y --no-install-recommends chromium; }; \
	fi

build-local: ## build every function's bootstrap for this machine, the emulator, the gateway and the CLI
	@mkdir -p $(BUILD_DIR)
	$(GO) build -o $(BUILD_DIR)/aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie
	$(GO) build -o $(BUILD_DIR)/local-kms github.com/nsmithuk/local-kms
	$(GO) build -o $(BUILD_DIR)/local ./cmd/local
	$(GO) build -o $(BUILD_DIR)/lgadmin ./cmd/lgadmin
	@set -e; for f in $(FUNCTIONS); do \
	  echo "$(GO) build -o $(BUILD_DIR)/$${f%%:*}/bootstrap ./functions/$${f##*:}"; \
	  CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(BUILD_DIR)/$${f%%:*}/bootstrap ./functions/$${f##*:}; \
	done

run: deps build-local ## start DynamoDB, SES and KMS stand-ins, all functions on 127.0.0.1:3000, and a demo user
	@scripts/run-local.sh

vet:
	gofmt -l . | grep -v node_modules | (! grep .) || (echo "gofmt needed on the files above" >&2; exit 1)
	$(GO) vet ./...

test: deps chromium build-local vet ## unit, integration (dynalite, SES stand-in) and end-to-end (jsforce, chromium) tests
	CHROMIUM=$(CHROMIUM) $(GO) test -race -count=1 -timeout 20m ./...

unit: ## only the tests that need no server
	$(GO) test -race -count=1 ./shared/policy/ ./shared/secret/ ./shared/ids/ ./shared/transport/...

bench: deps ## benchmarks: whole SOAP and browser logins on dynalite beside one argon2id hash, DynamoDB calls per login, init
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3s ./shared/soapapi/ ./functions/soap/
	$(GO) test -run '^$$' -bench . -benchmem ./shared/transport/soap/ ./shared/sessionapi/ ./shared/login/ ./functions/web/

fuzz: ## long fuzzing of the SOAP decoder and the IP-range parser (FUZZTIME=10m)
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(or $(FUZZTIME),5m) ./shared/transport/soap/
	$(GO) test -run '^$$' -fuzz FuzzParseIPRange -fuzztime $(or $(FUZZTIME),5m) ./shared/policy/

# make invoke FN=SoapFunction EVENT=events/soap/login.json  (the stand-ins of make run must be up)
invoke: build-local ## run one sample event through a function, as sam local invoke does
	@test -n "$(FN)" -a -n "$(EVENT)" || (echo "usage: make invoke FN=<LogicalId> EVENT=events/<fn>/<case>.json" >&2; exit 2)
	AWS_REGION=$${AWS_REGION:-us-east-1} AWS_ACCESS_KEY_ID=$${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=$${AWS_SECRET_ACCESS_KEY:-local} \
	AWS_ENDPOINT_URL_DYNAMODB=$${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:8000} AWS_ENDPOINT_URL_SESV2=$${AWS_ENDPOINT_URL_SESV2:-http://127.0.0.1:8005} \
	$(BUILD_DIR)/local invoke --template template.yaml --build-dir $(BUILD_DIR) --function $(FN) --event $(EVENT)

size: ## size of each function binary as deployed (linux/arm64, stripped)
	@set -e; for f in $(FUNCTIONS); do \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(BUILD_DIR)/arm64/$${f%%:*}/bootstrap ./functions/$${f##*:}; \
	  printf '%-20s %s bytes\n' $${f%%:*} $$(stat -c %s $(BUILD_DIR)/arm64/$${f%%:*}/bootstrap); \
	done

clean: ## remove build output (not .data)
	rm -rf $(BUILD_DIR) .aws-sam

# SAM (BuildMethod: makefile) runs build-<LogicalId> with ARTIFACTS_DIR set.
build-SoapFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/soap

build-OAuthFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/oauth

build-AuthorizerFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/authorizer

build-WebFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/web

build-WhoamiFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/whoami
