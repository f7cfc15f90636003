package samtemplate

import (
	"fmt"
	"sort"
	"strings"
)

// Statement is one statement of a function's inline IAM policy, its
// resources resolved to local ARNs (account 000000000000, us-east-1).
type Statement struct {
	Effect    string // Allow or Deny
	Actions   []string
	Resources []string
	// Narrowed: an Allow limited by a condition this parser knows (a
	// DynamoDB leading-key equality or pattern, or a KMS encryption-context
	// equality). It still grants its actions on its resources; what the
	// condition narrows (which keys, which context) is the code's to honour
	// (the keyring, the password histories) and its tests' to prove, as the
	// recorded calls carry no item keys or contexts.
	Narrowed bool
}

// knownConditions are the condition forms a statement may carry: each only
// narrows an Allow.
func knownCondition(c interface{}) bool {
	m, ok := c.(map[string]interface{})
	if !ok || len(m) == 0 {
		return false
	}
	for op, v := range m {
		keys, ok := v.(map[string]interface{})
		if !ok || len(keys) == 0 {
			return false
		}
		for k := range keys {
			switch {
			case (op == "ForAllValues:StringEquals" || op == "ForAllValues:StringLike") && k == "dynamodb:LeadingKeys":
			case op == "StringEquals" && strings.HasPrefix(k, "kms:EncryptionContext:"):
			default:
				return false
			}
		}
	}
	return true
}

// Policy returns the statements of the function's inline policies. Only
// what can be checked is accepted: a managed policy, a SAM policy template,
// NotAction, NotResource or a Condition other than the narrowing ones it
// knows is an error, so that a check built on this never passes a grant it
// could not read.
func (t *Template) Policy(function string) ([]Statement, error) {
	f, ok := t.Raw.GetAllServerlessFunctionResources()[function]
	if !ok {
		return nil, fmt.Errorf("no function %s", function)
	}
	if f.Policies == nil {
		return nil, nil
	}
	if f.Policies.IAMPolicyDocumentArray == nil {
		return nil, fmt.Errorf("%s: policies must be inline statements (managed policies and SAM policy templates are broader and not checked)", function)
	}
	var out []Statement
	for i, doc := range *f.Policies.IAMPolicyDocumentArray {
		if doc.Statement == nil {
			return nil, fmt.Errorf("%s: policy %d has no Statement (a SAM policy template?)", function, i)
		}
		for j, raw := range doc.Statement {
			st, _ := raw.(map[string]interface{})
			for _, k := range []string{"NotAction", "NotResource", "NotPrincipal", "Principal"} {
				if _, has := st[k]; has {
					return nil, fmt.Errorf("%s: policy %d statement %d uses %s, which this check cannot read", function, i, j, k)
				}
			}
			s := Statement{Effect: fmt.Sprint(st["Effect"]), Actions: asList(st["Action"]), Resources: asList(st["Resource"])}
			if c, has := st["Condition"]; has {
				if s.Effect != "Allow" || !knownCondition(c) {
					return nil, fmt.Errorf("%s: policy %d statement %d uses a Condition this check cannot read (only a DynamoDB leading-key equality or pattern, or a KMS encryption-context equality, on an Allow)", function, i, j)
				}
				s.Narrowed = true
			}
			if s.Effect != "Allow" && s.Effect != "Deny" {
				return nil, fmt.Errorf("%s: policy %d statement %d: Effect %q", function, i, j, s.Effect)
			}
			if len(s.Actions) == 0 || len(s.Resources) == 0 {
				return nil, fmt.Errorf("%s: policy %d statement %d needs Action and Resource", function, i, j)
			}
			for _, r := range s.Resources {
				if r == "" {
					return nil, fmt.Errorf("%s: policy %d statement %d: a resource did not resolve (a !Ref or !GetAtt this parser does not know)", function, i, j)
				}
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// Grant is one action on one resource pattern of an Allow statement.
type Grant struct{ Action, Resource string }

// Grants lists each action-resource pair the Allow statements give, sorted.
func Grants(policy []Statement) []Grant {
	seen := map[Grant]bool{}
	var out []Grant
	for _, s := range policy {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Actions {
			for _, r := range s.Resources {
				if g := (Grant{a, r}); !seen[g] {
					seen[g] = true
					out = append(out, g)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Action+" "+out[i].Resource < out[j].Action+" "+out[j].Resource })
	return out
}

// Covers reports whether g grants action on the resource with this ARN, as
// IAM matches: actions without regard to case, resources with * and ?
// wildcards. Region and account are not compared: locally they are
// placeholders that differ between the stand-ins (local-kms names its own
// account), and the question here is which resource, not which account.
func (g Grant) Covers(action, arn string) bool {
	return matchAction(g.Action, action) && matchARN(g.Resource, arn)
}

// Allows reports whether the policy lets a call do action on arn: some
// Allow covers it and no Deny does.
func Allows(policy []Statement, action, arn string) bool {
	allowed := false
	for _, s := range policy {
		for _, a := range s.Actions {
			for _, r := range s.Resources {
				if !(Grant{a, r}).Covers(action, arn) {
					continue
				}
				if s.Effect == "Deny" {
					return false
				}
				allowed = true
			}
		}
	}
	return allowed
}

func matchAction(pattern, action string) bool {
	return glob(strings.ToLower(pattern), strings.ToLower(action))
}

// matchARN compares partition, service and resource; "*" matches any ARN.
func matchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	p, a := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(p) != 6 || len(a) != 6 {
		return false
	}
	for _, i := range []int{0, 1, 2, 5} {
		if !glob(p[i], a[i]) {
			return false
		}
	}
	return true
}

// glob is IAM's wildcard match: * any run of characters (slashes too), ?
// one character.
func glob(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if glob(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && glob(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && glob(pattern[1:], s[1:])
}
