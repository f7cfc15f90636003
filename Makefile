# loginguard: see README.md.
#   make run    start everything locally on 127.0.0.1:3000 (no Docker)
#   make test   install what the tests need and run every test
SHELL := /bin/bash
GO ?= go
# Logical ids of template.yaml's functions and their folders under functions/.
FUNCTIONS := SoapFunction:soap OAuthFunction:oauth AuthorizerFunction:authorizer WhoamiFunction:whoami WebFunction:web DataFunction:data AdminFunction:admin DigestFunction:digest
BUILD_DIR := .build
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: help deps chromium zeep build-local run admin test vet unit bench load fuzz invoke size clean

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

# The SOAP tests drive zeep, a Python SOAP client, on Salesforce's partner
# WSDL: Debian's python3-zeep, for Debian's /usr/bin/python3. Installed only
# when missing.
zeep:
	@if ! /usr/bin/python3 -c 'import zeep' >/dev/null 2>&1; then \
	  echo "installing Debian's python3-zeep for the SOAP client tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends python3-zeep >/dev/null 2>&1 || \
	  { $$SUDO apt-get update >/dev/null && $$SUDO apt-get install -y --no-install-recommends python3-zeep; }; \
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

# The stack of make run with the same DATA_DIR: its ports, region, dummy
# credentials and keys are in $(DATA_DIR)/stack.env while it runs.
DATA_DIR ?= .data
admin: ## any lgadmin command against the running make run stack: make admin ARGS="user show demo@loginguard.example"
	@test -f "$(DATA_DIR)/stack.env" || { echo "make admin: no make run stack is running with DATA_DIR=$(DATA_DIR) (it writes $(DATA_DIR)/stack.env while it runs); start one with make run" >&2; exit 1; }
	@$(GO) build -o $(BUILD_DIR)/lgadmin ./cmd/lgadmin
	@. "$(DATA_DIR)/stack.env"; port=$${AWS_ENDPOINT_URL_DYNAMODB##*:}; \
	(exec 3<>"/dev/tcp/127.0.0.1/$$port") 2>/dev/null || { echo "make admin: the stack of DATA_DIR=$(DATA_DIR) does not answer on port $$port (stopped without cleaning up?); start it with make run" >&2; exit 1; }; \
	exec $(BUILD_DIR)/lgadmin $(ARGS)

vet: ## gofmt, go vet, go.mod tidy, generated templ code up to date, and no binary file tracked
	gofmt -l . | grep -v node_modules | (! grep .) || (echo "gofmt needed on the files above" >&2; exit 1)
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { $(GO) mod tidy -diff; echo "make vet: go.mod/go.sum are not tidy (the diff above): run go mod tidy and commit the result" >&2; exit 1; }
	@# Pages and mails are templ templates (*.templ); their generated *_templ.go are committed, so sam build runs no generator.
	@$(GO) tool templ generate -check -keep-orphaned-files -log-level error || { echo "make vet: the generated *_templ.go files are not up to date with their .templ files (listed above): run go tool templ generate at the repository root and commit the result" >&2; exit 1; }
	@orphans=$$(for g in $$(git ls-files -co --exclude-standard '*_templ.go'); do [ -f "$${g%_templ.go}.templ" ] || echo "$$g"; done); \
	if [ -n "$$orphans" ]; then \
	  echo "make vet: generated templ code without its .templ file (remove it, or restore the template):" >&2; \
	  printf '  %s\n' $$orphans >&2; exit 1; \
	fi
	@# git counts a file as binary as git diff does (a NUL byte, or a binary attribute): build output such as a Go executable.
	@bin=$$(git diff --cached --numstat $$(git hash-object -t tree /dev/null) | awk -F'\t' '$$1 == "-" {print $$3}'); \
	if [ -n "$$bin" ]; then \
	  echo "make vet: binary files are tracked (build output belongs in $(BUILD_DIR)/, which is ignored):" >&2; \
	  printf '%s\n' "$$bin" | sed 's/^/  /' >&2; \
	  echo "remove them with: git rm --cached <file>, and ignore them in .gitignore" >&2; exit 1; \
	fi

test: deps chromium zeep build-local vet ## unit, integration (dynalite, SES stand-in) and end-to-end (jsforce, zeep, chromium) tests
	CHROMIUM=$(CHROMIUM) $(GO) test -race -count=1 -timeout 40m ./...

unit: ## only the tests that need no server
	$(GO) test -race -count=1 ./shared/policy/ ./shared/secret/ ./shared/ids/ ./shared/transport/...

bench: deps ## benchmarks: SOAP, OAuth and browser logins on dynalite interleaved with one argon2id hash; DynamoDB calls and capacity units per login; init
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3s ./shared/transport/soap/ ./shared/transport/oauth/ ./shared/login/ ./functions/soap/
	$(GO) test -run '^$$' -bench . -benchmem ./shared/transport/authorizer/ ./functions/web/

fuzz: ## long fuzzing of the SOAP decoder and the IP-range parser (FUZZTIME=10m)
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(or $(FUZZTIME),5m) ./shared/transport/soap/
	$(GO) test -run '^$$' -fuzz FuzzParseIPRange -fuzztime $(or $(FUZZTIME),5m) ./shared/policy/

load: deps ## a password spray through the local stack, before and after the per-source throttle (LOAD_ATTEMPTS=20000 LOAD_SOURCES=500 LOAD_USERS=2000); writes test-artifacts/load-report.md
	$(GO) test -tags load -run '^TestLoad$$' -count=1 -timeout 60m -v ./e2e/

# make invoke FN=SoapFunction EVENT=events/soap/login.json  (the stand-ins of make run must be up)
# make invoke FN=DigestFunction EVENT=events/digest/scheduled.json  (a scheduled event: digests the hours due at its time)
invoke: build-local ## run one sample event through a function, as sam local invoke does
	@test -n "$(FN)" -a -n "$(EVENT)" || (echo "usage: make invoke FN=<LogicalId> EVENT=events/<fn>/<case>.json" >&2; exit 2)
	@# A running make run stack (same DATA_DIR) gives its endpoints and its KMS keys.
	@if [ -f "$(DATA_DIR)/stack.env" ]; then . "$(DATA_DIR)/stack.env"; fi; \
	AWS_REGION=$${AWS_REGION:-us-east-1} AWS_ACCESS_KEY_ID=$${AWS_ACCESS_KEY_ID:-local} AWS_SECRET_ACCESS_KEY=$${AWS_SECRET_ACCESS_KEY:-local} \
	AWS_ENDPOINT_URL_DYNAMODB=$${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:8000} AWS_ENDPOINT_URL_SESV2=$${AWS_ENDPOINT_URL_SESV2:-http://127.0.0.1:8005} \
	AWS_ENDPOINT_URL_KMS=$${AWS_ENDPOINT_URL_KMS:-http://127.0.0.1:8006} \
	$(BUILD_DIR)/local invoke --template template.yaml --build-dir $(BUILD_DIR) --function $(FN) --event $(EVENT) $${LOCAL_KMS_KEYS:-}

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

build-DataFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/data

build-AdminFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/admin

build-DigestFunction:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/digest
